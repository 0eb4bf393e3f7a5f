#pragma once
// The pure part of the Streamable HTTP transport: request -> decision, no sockets, no threads.
// The connection calls preflight() on the header (before reading any body), plan() once the body
// is in, and executes what plan() says: write a ready response, dispatch inline or on a worker
// (JSON or SSE), or open a GET stream. Everything a client can get wrong is decided here, so it
// is unit-tested and fuzzed without a network.
//
// Order of checks (each a distinct status): Host (403) -> path (404) -> Origin (403) ->
// authentication (the Authenticator's challenge) -> method (405) -> Accept (406) ->
// Content-Type (415) -> declared size (413) -> JSON-RPC framing (400) -> session (404).
// A path served by one of the web::Routes instead goes: Host (403) -> Origin, for methods
// other than GET/HEAD/OPTIONS (403) -> declared size against route_max_body (413) -> the route,
// on a worker (handleRoute). Routes do their own authentication (client credentials, cookies).

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "auth/authenticator.h"
#include "core/web.h"
#include "mcp/dispatcher.h"
#include "mcp/session.h"
#include "transport/sse.h"

namespace bastion::transport {

namespace http = boost::beast::http;
using Request = http::request<http::string_body>;
using RequestHeader = http::request_header<>;
using Response = http::response<http::string_body>;

struct HandlerOptions {
  std::string endpoint = "/mcp";
  std::vector<std::string> allowed_hosts;    // exact host[:port], compared case-insensitively
  std::vector<std::string> allowed_origins;  // exact scheme://host[:port], case-insensitive
  bool tls = false;                          // scheme of same-origin requests
  std::size_t max_body = std::size_t{4} << 20;
  std::vector<std::shared_ptr<web::Routes>> routes;  // see HttpServerOptions::routes
  std::size_t route_max_body = 64 * 1024;
};

// A request that passed every header-only check, with the caller it authenticated as.
struct Admitted {
  auth::Principal principal;
};
// A request for one of the web::Routes, admitted by the header checks.
struct RouteAdmitted {
  std::shared_ptr<web::Routes> routes;
};
using Preflight = std::variant<Response, Admitted, RouteAdmitted>;

// A POST to dispatch. `inbound.out` is left null: the connection sets it for an SSE answer.
struct PostPlan {
  mcp::Inbound inbound;
  bool may_block = false;       // run on a worker, never on an I/O thread
  bool waits_on_peers = false;  // ... on the pool for calls that wait on peers
  bool sse = false;        // answer with an SSE stream (request that may block, client accepts)
  bool resumable = false;  // legacy session stream: priming event, closeStream, Last-Event-ID
  bool cancel_on_disconnect = false;  // modern era: closing the stream cancels the request
};

// A GET that opens the session's standalone stream, or resumes one of its streams.
struct GetPlan {
  std::shared_ptr<mcp::Session> session;
  std::shared_ptr<SseStream> resume;  // the stream named by Last-Event-ID, if any
  std::uint64_t resume_after = 0;
};

using Plan = std::variant<Response, PostPlan, GetPlan>;

class HttpHandler {
 public:
  HttpHandler(HandlerOptions options, std::shared_ptr<mcp::Dispatcher> dispatcher,
              std::shared_ptr<mcp::SessionStore> sessions,
              std::shared_ptr<auth::Authenticator> authenticator,
              std::shared_ptr<StreamRegistry> streams);

  // Header-only checks, before any body byte is read. Never touches sessions or the dispatcher.
  // `memo`: the connection's memory of its last verified token (auth/token_memo.h), or null.
  Preflight preflight(const RequestHeader& req, std::string_view remote_address,
                      auth::TokenMemo* memo = nullptr) const;

  // With the body read: frames, finds the session, and decides how to answer.
  Plan plan(const Request& req, const Admitted& admitted) const;

  // Runs a plan's dispatch on the calling thread and returns the JSON (or 202) answer.
  Response dispatchJson(const Request& req, PostPlan plan) const;
  // The HTTP answer for a finished dispatch without a stream. A result that names
  // insufficient_scope becomes the Authenticator's 403 challenge (JSON-RPC error body kept).
  Response respond(const Request& req, const mcp::DispatchResult& result) const;

  // Serves an admitted route request (the body read): converts to web::Request, calls the
  // route (it may block: call this on a worker), converts back with the common headers. An
  // exception from the route becomes a generic 500.
  Response handleRoute(const Request& req, const RouteAdmitted& route,
                       std::string_view remote_address) const;
  // Beast <-> web conversions (header names lower-cased; the common security headers added:
  // nosniff, Referrer-Policy no-referrer, Cache-Control no-store unless the route set one).
  static web::Request toWebRequest(const Request& req, std::string_view remote_address, bool tls);
  static Response fromWebResponse(web::Response res, unsigned version, bool keep_alive);

  // A JSON-RPC error with a null id and the common security headers.
  static Response errorResponse(http::status status, int code, std::string_view message,
                                unsigned version, bool keep_alive);
  // Headers every answer carries (nosniff; no-store unless it is an SSE stream).
  static void addCommonHeaders(http::fields& fields, bool sse);

  const mcp::Dispatcher& dispatcher() const { return *dispatcher_; }

 private:
  // The authentication step: every route, before sessions or the dispatcher see the request.
  // Returns the caller or the challenge response. OAuth fills the Authenticator behind it.
  Preflight authenticateRequest(const RequestHeader& req, std::string_view remote_address,
                                auth::TokenMemo* memo) const;
  std::optional<Response> checkHost(const RequestHeader& req) const;
  std::optional<Response> checkOrigin(const RequestHeader& req) const;
  Preflight preflightRoute(const RequestHeader& req, std::shared_ptr<web::Routes> routes) const;
  std::optional<Response> checkPostHeaders(const RequestHeader& req) const;
  Plan planPost(const Request& req, const Admitted& admitted) const;
  Plan planGet(const Request& req, const Admitted& admitted) const;
  Plan planDelete(const Request& req, const Admitted& admitted) const;

  const HandlerOptions options_;
  const std::shared_ptr<mcp::Dispatcher> dispatcher_;
  const std::shared_ptr<mcp::SessionStore> sessions_;
  const std::shared_ptr<auth::Authenticator> authenticator_;
  const std::shared_ptr<StreamRegistry> streams_;
};

// Header helpers, exposed for tests.
// True if an Accept value admits `media_type` (exact, type/* or */*, ignoring q=0 ranges).
bool acceptsMediaType(std::string_view accept, std::string_view media_type);
// True for "application/json" with an optional utf-8 charset, case-insensitive.
bool isJsonContentType(std::string_view content_type);
// True when MCP-Protocol-Version names the stateless era (2026-07-28 or later).
bool isModernProtocolVersion(std::string_view version);
// The allowed Host and Origin values for a listener on loopback `port` (http or https).
std::vector<std::string> loopbackHosts(std::uint16_t port);
std::vector<std::string> loopbackOrigins(std::uint16_t port, bool tls);

}  // namespace bastion::transport
