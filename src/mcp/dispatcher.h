#pragma once
// The one place where MCP messages are handled, for every transport and both protocol eras.
// Transports frame and authenticate; the dispatcher does everything else:
//   era selection -> (authorize) -> (rate limit) -> validate -> execute -> (guard) -> respond.
// Steps in parentheses are hooks filled by later layers; none can be skipped by any route.
//
// Era selection, per request: a request whose params._meta carries
// io.modelcontextprotocol/protocolVersion or .../clientCapabilities, and server/discover, is
// modern (2026-07-28, stateless; a missing field is -32602 / HTTP 400). Everything else is
// legacy and needs a session that went through `initialize` (else -32602 / HTTP 400); stdio
// passes its one session, HTTP the one named by Mcp-Session-Id. Client JSON-RPC responses
// resolve the session's pending server-to-client requests (202, no body).

#include <atomic>
#include <boost/json/value.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/principal.h"
#include "core/error.h"
#include "mcp/session.h"
#include "policy/rate_limit.h"
#include "policy/scope_policy.h"

namespace bastion::guard {
class Redactor;
}
namespace bastion::audit {
class AuditSink;
}

namespace bastion::mcp {

class Server;

// Where request-related messages go: the POST's SSE stream, the GET stream, or stdout.
class Outbound {
 public:
  virtual ~Outbound() = default;
  // Queues one JSON-RPC notification or request for the client. Thread-safe, never blocks on
  // the network. Returns false once the client has gone (the caller should stop work).
  virtual bool send(const boost::json::value& message) = 0;
  // Legacy HTTP SSE: close the response stream now; later messages for it are kept in the
  // session's event log for a GET with Last-Event-ID. No-op where streams cannot resume.
  virtual void closeStream() {}
};

enum class TransportKind { Stdio, Http };

// HTTP request headers the modern era checks against the body (Mcp-Method, Mcp-Name,
// MCP-Protocol-Version). Absent on stdio.
struct HttpMetadata {
  std::optional<std::string> protocol_version;
  std::optional<std::string> method;
  std::optional<std::string> name;
  // Mcp-Param-{Name} headers: {Name} as sent (compared ignoring case) and the raw value.
  std::vector<std::pair<std::string, std::string>> params;
};

struct Inbound {
  boost::json::value message;  // one parsed JSON-RPC message
  TransportKind transport = TransportKind::Stdio;
  auth::Principal principal;         // set by the authentication step
  std::shared_ptr<Session> session;  // legacy session (stdio: its one session), else null
  std::shared_ptr<Outbound> out;     // request-related messages; may be null (JSON response)
  std::shared_ptr<std::atomic<bool>> cancelled;  // set by the transport when the client leaves
  HttpMetadata http;
};

struct DispatchResult {
  std::optional<boost::json::value> response;  // absent for notifications and client responses
  int http_status = 200;  // 200 with a response, 202 accepted, 400/404 per era rules
  std::shared_ptr<Session> created_session;  // set when `initialize` made one (HTTP header)
  // Non-empty: the authenticated caller lacks scopes the operation needs; these are every scope
  // it needs. HTTP answers 403 with the insufficient_scope challenge (the JSON-RPC error as its
  // body); stdio sends the JSON-RPC error alone.
  std::vector<std::string> insufficient_scope;
};

// Tunables; the defaults suit production. Clocks are injectable for tests.
struct DispatcherOptions {
  std::size_t page_size = 100;                        // tools/resources/prompts list pages
  std::chrono::milliseconds list_ttl{5 * 60 * 1000};  // modern ttlMs on list results
  std::chrono::seconds request_state_ttl{10 * 60};    // MRTR requestState lifetime
  // Scope implications for tool authorization; null: a required scope must be held literally.
  std::shared_ptr<const policy::ScopePolicy> scope_policy;
  // The guards around every tool call (DESIGN "One tool call, end to end"); null: that guard is
  // off. Rate limits per (principal, tool), tool and client; a redactor for registered secrets
  // and credential shapes in results and error messages; the audit log.
  std::shared_ptr<const policy::RateLimits> rate_limits;
  std::shared_ptr<const guard::Redactor> redactor;
  std::shared_ptr<audit::AuditSink> audit;
  std::size_t max_output = std::size_t{1} << 20;  // bytes of one serialized tool result
  std::function<std::chrono::system_clock::time_point()> wall_clock;    // null: system clock
  std::function<std::chrono::steady_clock::time_point()> steady_clock;  // null: steady clock
};

class Dispatcher {
 public:
  virtual ~Dispatcher() = default;

  // `sessions` is used by HTTP `initialize`; stdio passes its own session in Inbound.
  static std::unique_ptr<Dispatcher> create(std::shared_ptr<const Server> server,
                                            std::shared_ptr<SessionStore> sessions,
                                            DispatcherOptions options = {});

  // Handles one message. May block while a tool runs (call it off the I/O threads).
  // Thread-safe. Never throws: every failure is a JSON-RPC error response.
  virtual DispatchResult handle(Inbound in) = 0;

  // True if handling `message` can block (tool calls, prompts, resource reads, completions);
  // transports may run everything else inline on the I/O thread.
  virtual bool mayBlock(const boost::json::value& message) const = 0;

  // True if `message` may block on a peer (a tools/call of a ToolSpec::waits_on_peers tool):
  // transports give such calls their own pool.
  virtual bool waitsOnPeers(const boost::json::value& message) const {
    (void)message;
    return false;
  }
};

// Parses one framed message. Returns the value, or a ready JSON-RPC error response:
// -32700 for malformed JSON or invalid UTF-8, -32600 for a batch (arrays are rejected) or a
// non-object. Bounded: `max_depth` nesting.
[[nodiscard]] boost::system::result<boost::json::value, boost::json::value> parseMessage(
    std::string_view bytes, std::size_t max_depth = 64);

}  // namespace bastion::mcp
