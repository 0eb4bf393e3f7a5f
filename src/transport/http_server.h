#pragma once
// The Streamable HTTP transport: one MCP endpoint (POST, GET, DELETE) on Boost.Beast, optionally
// over TLS. Every request passes, in order: Host/Origin validation (DNS rebinding), the
// authentication step, method/content checks, session lookup, then the dispatcher.
//
// Beast and Asio stay behind the pimpl: including this header costs nothing.

#include <cstdint>
#include <memory>

#include "auth/authenticator.h"
#include "core/error.h"
#include "mcp/dispatcher.h"
#include "mcp/session.h"
#include "transport/http_config.h"

namespace bastion::transport {

enum class HttpServerError {
  InvalidOptions = 1,  // endpoint, address or limits unusable
  BindFailed,          // address in use, permission denied, ...
  TlsFilesUnusable,    // certificate or key unreadable, malformed, or not matching
};

class HttpServer {
 public:
  // Binds the listening socket (so port() is known at once) and loads TLS files; serves nothing
  // until run(). Fails with a message naming the address or file when it cannot.
  [[nodiscard]] static Result<std::unique_ptr<HttpServer>> create(
      HttpServerOptions options, std::shared_ptr<mcp::Dispatcher> dispatcher,
      std::shared_ptr<mcp::SessionStore> sessions, std::shared_ptr<auth::Authenticator> auth);

  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Serves until stop() or (with options.handle_signals) SIGINT/SIGTERM. Shutdown stops
  // accepting, closes idle connections, lets in-flight calls finish up to
  // options.shutdown_timeout, then closes the rest and joins every thread it started.
  void run();
  // Thread-safe and idempotent; returns at once (run() returns when shutdown completes).
  void stop();

  // The bound port (useful with options.port = 0).
  std::uint16_t port() const;

 private:
  struct Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace bastion::transport
