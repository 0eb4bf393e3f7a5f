#pragma once
// Options of the Streamable HTTP listener: one plain struct, filled by the program from Config and
// by tests directly. Defaults are the safe ones: loopback names only, 4 MiB bodies, short header
// timeouts. No Beast or Asio types appear here.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/web.h"

namespace bastion::transport {

struct TlsOptions {
  std::string cert_file;  // PEM certificate chain
  std::string key_file;   // PEM private key (unencrypted)
};

struct HttpServerOptions {
  std::string address = "127.0.0.1";  // IP literal to bind, without brackets
  std::uint16_t port = 8080;          // 0: any free port (see HttpServer::port())
  std::string endpoint = "/mcp";      // the one MCP endpoint path; every other path is 404

  // DNS-rebinding protection. Host values (host[:port], case-insensitive) accepted; empty means
  // the loopback names with the bound port: localhost, 127.0.0.1 and [::1].
  std::vector<std::string> allowed_hosts;
  // Origin values (scheme://host[:port]) accepted besides the same origin as an allowed Host;
  // empty means the loopback origins with the bound port. A request without Origin (a
  // non-browser client) passes this check.
  std::vector<std::string> allowed_origins;

  std::size_t max_body = std::size_t{4} << 20;  // larger bodies: 413 without reading them

  // Non-MCP routes beside the endpoint (Protected Resource Metadata, the embedded authorization
  // server), asked in order; the endpoint itself always wins. Their requests pass the Host
  // check; the Origin check applies to every method but GET, HEAD and OPTIONS (public
  // metadata); bodies are capped at route_max_body; handlers run on a worker thread.
  std::vector<std::shared_ptr<web::Routes>> routes;
  std::size_t route_max_body = 64 * 1024;
  std::size_t max_header = 16 * 1024;                                  // request line + headers
  std::chrono::milliseconds header_timeout{std::chrono::seconds(10)};  // whole header section
  std::chrono::milliseconds body_timeout{std::chrono::seconds(30)};    // whole body
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(60)};   // between keep-alive requests
  std::chrono::milliseconds write_timeout{std::chrono::seconds(30)};  // one write to the client
  std::chrono::milliseconds shutdown_timeout{std::chrono::seconds(10)};  // in-flight calls at stop
  std::chrono::milliseconds sse_retry{std::chrono::milliseconds(1000)};  // `retry:` sent to clients
  std::chrono::milliseconds sse_keepalive{std::chrono::seconds(15)};     // comment on idle streams
  // A blocking call quiet this long is answered as an SSE stream (priming event, keep-alives);
  // one that finishes sooner without sending anything gets a plain JSON answer.
  std::chrono::milliseconds sse_delay{std::chrono::milliseconds(100)};
  std::chrono::milliseconds session_sweep{std::chrono::seconds(30)};  // SessionStore::expireIdle

  std::size_t max_connections = 1024;  // beyond: accepted and closed at once
  unsigned io_threads = 0;             // 0: one per core
  // Blocking dispatch: calls of tools that wait on peers (ToolSpec::waits_on_peers) and the web
  // routes (store, password hashing, outbound fetches) run on `workers` threads (0: 4 per
  // core); every other blocking call (files, SQLite, resources, prompts) on `local_workers`
  // (0: one per core, at least 2), so slow peers cannot starve local tools and local work
  // does not oversubscribe the cores.
  unsigned workers = 0;
  unsigned local_workers = 0;

  // Outbound queue bound per SSE stream: a client that stops reading is dropped past this.
  std::size_t max_queued_bytes = std::size_t{8} << 20;
  // Resumable (legacy) streams: events kept per session for Last-Event-ID replay.
  std::size_t event_log_events = 1024;
  std::size_t event_log_bytes = std::size_t{4} << 20;

  bool handle_signals = true;  // run() stops on SIGINT/SIGTERM
  std::optional<TlsOptions> tls;
};

}  // namespace bastion::transport
