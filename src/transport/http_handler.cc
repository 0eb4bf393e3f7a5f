#include "transport/http_handler.h"

#include <algorithm>
#include <boost/beast/http/rfc7230.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <cctype>
#include <exception>
#include <iterator>
#include <utility>

namespace bastion::transport {
namespace {

constexpr std::string_view kSessionHeader = "Mcp-Session-Id";
constexpr std::string_view kProtocolHeader = "MCP-Protocol-Version";
constexpr std::string_view kLastEventIdHeader = "Last-Event-ID";
constexpr std::string_view kFirstResumableVersion = "2025-11-25";
constexpr std::string_view kFirstModernVersion = "2026-07-28";
constexpr std::size_t kMaxSessionIdLength = 256;

// JSON-RPC codes the transport itself uses (the dispatcher owns every other one).
constexpr int kTransportError = -32000;
constexpr int kSessionNotFound = -32001;

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

bool anyOf(const std::vector<std::string>& allowed, std::string_view value) {
  return std::any_of(allowed.begin(), allowed.end(),
                     [&](const std::string& a) { return iequals(a, value); });
}

std::optional<std::string_view> header(const RequestHeader& req, std::string_view name) {
  const auto it = req.find(name);
  if (it == req.end()) {
    return std::nullopt;
  }
  return it->value();
}

std::optional<std::string> headerCopy(const RequestHeader& req, std::string_view name) {
  auto v = header(req, name);
  return v ? std::optional<std::string>(std::string(*v)) : std::nullopt;
}

// Visible ASCII only (0x21..0x7E), as the spec requires of session ids; bounded length.
bool plausibleSessionId(std::string_view id) {
  return !id.empty() && id.size() <= kMaxSessionIdLength &&
         std::all_of(id.begin(), id.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

// Message::keep_alive() for a bare header: HTTP/1.1 unless "close", HTTP/1.0 only if asked.
bool keepAlive(const RequestHeader& req) {
  http::token_list tokens{req[http::field::connection]};
  return req.version() >= 11 ? !tokens.exists("close") : tokens.exists("keep-alive");
}

bool isModern(const RequestHeader& req) {
  const auto v = header(req, kProtocolHeader);
  return v && isModernProtocolVersion(*v);
}

Response methodNotAllowed(const RequestHeader& req, std::string_view allow) {
  Response res = HttpHandler::errorResponse(http::status::method_not_allowed, kTransportError,
                                            "Method not allowed", req.version(), keepAlive(req));
  res.set(http::field::allow, allow);
  return res;
}

Response sessionNotFound(const RequestHeader& req) {
  return HttpHandler::errorResponse(http::status::not_found, kSessionNotFound, "Session not found",
                                    req.version(), keepAlive(req));
}

}  // namespace

bool acceptsMediaType(std::string_view accept, std::string_view media_type) {
  const std::size_t slash = media_type.find('/');
  const std::string_view type = media_type.substr(0, slash);
  while (!accept.empty()) {
    const std::size_t comma = accept.find(',');
    std::string_view range = accept.substr(0, comma);
    accept = comma == std::string_view::npos ? std::string_view{} : accept.substr(comma + 1);
    const std::size_t semi = range.find(';');
    const std::string_view params = semi == std::string_view::npos ? "" : range.substr(semi + 1);
    range = trim(range.substr(0, semi));
    // "q=0" means "not acceptable"; any other weight is acceptable.
    const std::size_t q = params.find("q=");
    if (q != std::string_view::npos) {
      const std::string_view w = trim(params.substr(q + 2, params.find(';', q) - q - 2));
      if (!w.empty() &&
          std::all_of(w.begin(), w.end(), [](char c) { return c == '0' || c == '.'; })) {
        continue;
      }
    }
    if (iequals(range, media_type) || range == "*/*" ||
        (range.size() == type.size() + 2 && iequals(range.substr(0, type.size()), type) &&
         range.substr(type.size()) == "/*")) {
      return true;
    }
  }
  return false;
}

bool isJsonContentType(std::string_view content_type) {
  const std::size_t semi = content_type.find(';');
  if (!iequals(trim(content_type.substr(0, semi)), "application/json")) {
    return false;
  }
  if (semi == std::string_view::npos) {
    return true;
  }
  // A charset other than UTF-8 would be misread: JSON-RPC messages MUST be UTF-8.
  std::string_view params = content_type.substr(semi + 1);
  while (!params.empty()) {
    const std::size_t next = params.find(';');
    const std::string_view p = trim(params.substr(0, next));
    params = next == std::string_view::npos ? std::string_view{} : params.substr(next + 1);
    if (p.size() >= 8 && iequals(p.substr(0, 8), "charset=")) {
      std::string_view cs = trim(p.substr(8));
      if (cs.size() >= 2 && cs.front() == '"' && cs.back() == '"') {
        cs = cs.substr(1, cs.size() - 2);
      }
      if (!iequals(cs, "utf-8") && !iequals(cs, "utf8")) {
        return false;
      }
    }
  }
  return true;
}

bool isModernProtocolVersion(std::string_view version) {
  return version.size() == kFirstModernVersion.size() && version >= kFirstModernVersion;
}

std::vector<std::string> loopbackHosts(std::uint16_t port) {
  const std::string p = ":" + std::to_string(port);
  return {"localhost" + p, "127.0.0.1" + p, "[::1]" + p};
}

std::vector<std::string> loopbackOrigins(std::uint16_t port, bool tls) {
  const std::string scheme = tls ? "https://" : "http://";
  std::vector<std::string> out;
  for (const std::string& h : loopbackHosts(port)) {
    out.push_back(scheme + h);
  }
  return out;
}

HttpHandler::HttpHandler(HandlerOptions options, std::shared_ptr<mcp::Dispatcher> dispatcher,
                         std::shared_ptr<mcp::SessionStore> sessions,
                         std::shared_ptr<auth::Authenticator> authenticator,
                         std::shared_ptr<StreamRegistry> streams)
    : options_(std::move(options)),
      dispatcher_(std::move(dispatcher)),
      sessions_(std::move(sessions)),
      authenticator_(std::move(authenticator)),
      streams_(std::move(streams)) {}

void HttpHandler::addCommonHeaders(http::fields& fields, bool sse) {
  fields.set("X-Content-Type-Options", "nosniff");
  if (sse) {
    fields.set(http::field::cache_control, "no-cache");
    fields.set("X-Accel-Buffering", "no");
  } else {
    fields.set(http::field::cache_control, "no-store");
  }
}

Response HttpHandler::errorResponse(http::status status, int code, std::string_view message,
                                    unsigned version, bool keep_alive) {
  boost::json::object error{{"code", code}, {"message", message}};
  boost::json::object body{{"jsonrpc", "2.0"}, {"id", nullptr}, {"error", std::move(error)}};
  Response res{status, version};
  res.set(http::field::content_type, "application/json");
  addCommonHeaders(res, false);
  res.body() = boost::json::serialize(body);
  res.keep_alive(keep_alive);
  res.prepare_payload();
  return res;
}

std::optional<Response> HttpHandler::checkHost(const RequestHeader& req) const {
  // DNS rebinding: a page on evil.example that resolves to 127.0.0.1 still sends its own name
  // as Host and Origin. Only configured names pass; a missing Host is refused as well.
  // Exactly one Host and at most one Origin: with two, an intermediary and this check could
  // each read a different one.
  const auto host = header(req, "Host");
  if (!host || req.count(http::field::host) != 1 || req.count(http::field::origin) > 1 ||
      !anyOf(options_.allowed_hosts, *host)) {
    return errorResponse(http::status::forbidden, kTransportError, "Forbidden: Host not allowed",
                         req.version(), false);
  }
  return std::nullopt;
}

std::optional<Response> HttpHandler::checkOrigin(const RequestHeader& req) const {
  const auto origin = header(req, "Origin");
  if (!origin) {
    return std::nullopt;  // not a browser request; Host already matched
  }
  const std::string same_origin = std::string(options_.tls ? "https://" : "http://") +
                                  std::string(header(req, "Host").value_or(""));
  if (!iequals(*origin, same_origin) && !anyOf(options_.allowed_origins, *origin)) {
    return errorResponse(http::status::forbidden, kTransportError, "Forbidden: Origin not allowed",
                         req.version(), false);
  }
  return std::nullopt;
}

Preflight HttpHandler::preflightRoute(const RequestHeader& req,
                                      std::shared_ptr<web::Routes> routes) const {
  // Metadata reads are public (browser clients of any origin fetch them); anything that may
  // change state must come from our own pages or an allowed origin.
  const auto method = req.method();
  if (method != http::verb::get && method != http::verb::head && method != http::verb::options) {
    if (auto rejected = checkOrigin(req)) {
      return std::move(*rejected);
    }
  }
  if (const auto length = header(req, "Content-Length")) {
    std::uint64_t n = 0;
    for (char c : *length) {
      if (c < '0' || c > '9' || n > options_.route_max_body) {
        n = options_.route_max_body + 1;
        break;
      }
      n = n * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (n > options_.route_max_body) {
      return errorResponse(http::status::payload_too_large, kTransportError, "Payload Too Large",
                           req.version(), false);
    }
  }
  return RouteAdmitted{std::move(routes)};
}

Preflight HttpHandler::authenticateRequest(const RequestHeader& req,
                                           std::string_view remote_address,
                                           auth::TokenMemo* memo) const {
  auth::RequestView view;
  view.method = req.method_string();
  view.target = req.target();
  view.authorization = header(req, "Authorization");
  view.authorization_count = req.count(http::field::authorization);
  view.content_type = header(req, "Content-Type");
  view.remote_address = remote_address;
  view.memo = memo;
  auto result = authenticator_->authenticate(view);
  if (result) {
    return Admitted{std::move(*result)};
  }
  const auth::Challenge& challenge = result.error();
  const auto status = http::int_to_status(static_cast<unsigned>(challenge.status));
  Response res = errorResponse(
      status == http::status::unknown ? http::status::unauthorized : status, kTransportError,
      challenge.description.empty() ? "Unauthorized" : challenge.description, req.version(),
      keepAlive(req));
  if (!challenge.www_authenticate.empty()) {
    res.set(http::field::www_authenticate, challenge.www_authenticate);
  }
  return res;
}

std::optional<Response> HttpHandler::checkPostHeaders(const RequestHeader& req) const {
  const auto accept = header(req, "Accept");
  if (!accept || !acceptsMediaType(*accept, "application/json") ||
      !acceptsMediaType(*accept, "text/event-stream")) {
    return errorResponse(http::status::not_acceptable, kTransportError,
                         "Not Acceptable: Accept must list application/json and text/event-stream",
                         req.version(), keepAlive(req));
  }
  const auto type = header(req, "Content-Type");
  if (!type || !isJsonContentType(*type)) {
    return errorResponse(http::status::unsupported_media_type, kTransportError,
                         "Unsupported Media Type: Content-Type must be application/json",
                         req.version(), keepAlive(req));
  }
  const auto length = header(req, "Content-Length");
  if (length) {
    // Beast rejects malformed lengths while parsing; only the size matters here. Refused before
    // a single body byte is read, and the connection is closed rather than drained.
    std::uint64_t n = 0;
    for (char c : *length) {
      if (c < '0' || c > '9' || n > options_.max_body) {
        n = options_.max_body + 1;
        break;
      }
      n = n * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (n > options_.max_body) {
      return errorResponse(http::status::payload_too_large, kTransportError, "Payload Too Large",
                           req.version(), false);
    }
  }
  return std::nullopt;
}

Preflight HttpHandler::preflight(const RequestHeader& req, std::string_view remote_address,
                                 auth::TokenMemo* memo) const {
  if (auto rejected = checkHost(req)) {
    return std::move(*rejected);
  }
  const std::string_view target = req.target();
  const std::string_view path = target.substr(0, target.find('?'));
  if (path != options_.endpoint) {
    for (const auto& routes : options_.routes) {
      if (routes->serves(path)) {
        return preflightRoute(req, routes);
      }
    }
    return errorResponse(http::status::not_found, kTransportError, "Not Found", req.version(),
                         keepAlive(req));
  }
  if (auto rejected = checkOrigin(req)) {
    return std::move(*rejected);
  }
  Preflight admitted = authenticateRequest(req, remote_address, memo);
  if (std::holds_alternative<Response>(admitted)) {
    return admitted;
  }
  switch (req.method()) {
    case http::verb::post:
      if (auto rejected = checkPostHeaders(req)) {
        return std::move(*rejected);
      }
      return admitted;
    case http::verb::get: {
      if (isModern(req)) {
        return methodNotAllowed(req, "POST");
      }
      const auto accept = header(req, "Accept");
      if (!accept || !acceptsMediaType(*accept, "text/event-stream")) {
        return errorResponse(http::status::not_acceptable, kTransportError,
                             "Not Acceptable: Accept must list text/event-stream", req.version(),
                             keepAlive(req));
      }
      return admitted;
    }
    case http::verb::delete_:
      if (isModern(req)) {
        return methodNotAllowed(req, "POST");
      }
      return admitted;
    default:
      return methodNotAllowed(req, "GET, POST, DELETE");
  }
}

Plan HttpHandler::plan(const Request& req, const Admitted& admitted) const {
  switch (req.method()) {
    case http::verb::post:
      return planPost(req, admitted);
    case http::verb::get:
      return planGet(req, admitted);
    case http::verb::delete_:
      return planDelete(req, admitted);
    default:
      return methodNotAllowed(req, "GET, POST, DELETE");
  }
}

Plan HttpHandler::planPost(const Request& req, const Admitted& admitted) const {
  auto parsed = mcp::parseMessage(req.body());
  if (!parsed) {
    Response res{http::status::bad_request, req.version()};
    res.set(http::field::content_type, "application/json");
    addCommonHeaders(res, false);
    res.body() = boost::json::serialize(parsed.error());
    res.keep_alive(keepAlive(req));
    res.prepare_payload();
    return res;
  }
  const bool modern = isModern(req);
  PostPlan plan;
  mcp::Inbound& in = plan.inbound;
  in.message = std::move(*parsed);
  in.transport = mcp::TransportKind::Http;
  in.principal = admitted.principal;
  in.cancelled = std::make_shared<std::atomic<bool>>(false);
  in.http.protocol_version = headerCopy(req, kProtocolHeader);
  in.http.method = headerCopy(req, "Mcp-Method");
  in.http.name = headerCopy(req, "Mcp-Name");
  // Mcp-Param-{Name} (SEP-2243): the dispatcher checks them against the tool's arguments.
  for (const auto& field : req) {
    const std::string_view name = field.name_string();
    if (name.size() > 10 && iequals(name.substr(0, 10), "mcp-param-")) {
      in.http.params.emplace_back(std::string(name.substr(10)), std::string(field.value()));
    }
  }
  // The modern era has no sessions: an Mcp-Session-Id there is ignored, as the spec says.
  if (const auto sid = header(req, kSessionHeader); sid && !modern) {
    if (!plausibleSessionId(*sid)) {
      return sessionNotFound(req);
    }
    in.session =
        sessions_->find(std::string(*sid), admitted.principal, std::chrono::steady_clock::now());
    if (!in.session) {
      return sessionNotFound(req);  // unknown, expired, or another principal's: all alike
    }
  }
  const auto* obj = in.message.if_object();
  const bool is_request = obj && obj->contains("method") && obj->contains("id");
  plan.may_block = dispatcher_->mayBlock(in.message);
  plan.waits_on_peers = plan.may_block && dispatcher_->waitsOnPeers(in.message);
  plan.sse = is_request && plan.may_block;  // preflight already required text/event-stream
  plan.resumable =
      plan.sse && !modern && in.session && in.session->protocolVersion() >= kFirstResumableVersion;
  plan.cancel_on_disconnect = modern;
  return plan;
}

Plan HttpHandler::planGet(const Request& req, const Admitted& admitted) const {
  const auto sid = header(req, kSessionHeader);
  if (!sid) {
    // Without a session there is nothing to stream: the stateless era has no GET stream.
    return methodNotAllowed(req, "POST");
  }
  GetPlan plan;
  if (plausibleSessionId(*sid)) {
    plan.session =
        sessions_->find(std::string(*sid), admitted.principal, std::chrono::steady_clock::now());
  }
  if (!plan.session) {
    return sessionNotFound(req);
  }
  if (const auto last = header(req, kLastEventIdHeader)) {
    const auto id = parseEventId(*last);
    if (!id) {
      return errorResponse(http::status::bad_request, kTransportError, "Invalid Last-Event-ID",
                           req.version(), keepAlive(req));
    }
    // Looked up among this session's streams only: an id from another session finds nothing,
    // and the client then gets a fresh standalone stream instead of anyone else's events.
    plan.resume = streams_->find(plan.session->id(), id->stream);
    plan.resume_after = id->seq;
  }
  return plan;
}

Plan HttpHandler::planDelete(const Request& req, const Admitted& admitted) const {
  const auto sid = header(req, kSessionHeader);
  if (!sid) {
    return methodNotAllowed(req, "POST");
  }
  if (!plausibleSessionId(*sid) || !sessions_->remove(std::string(*sid), admitted.principal)) {
    return sessionNotFound(req);
  }
  streams_->dropSession(std::string(*sid));
  Response res{http::status::ok, req.version()};
  addCommonHeaders(res, false);
  res.keep_alive(keepAlive(req));
  res.prepare_payload();
  return res;
}

Response HttpHandler::respond(const Request& req, const mcp::DispatchResult& result) const {
  const auto status = http::int_to_status(static_cast<unsigned>(result.http_status));
  Response res{status == http::status::unknown ? http::status::internal_server_error : status,
               req.version()};
  addCommonHeaders(res, false);
  if (result.response) {
    res.set(http::field::content_type, "application/json");
    res.body() = boost::json::serialize(*result.response);
  } else if (result.http_status == 200) {
    res.result(http::status::accepted);  // a notification or a client response: no body
  }
  if (result.created_session) {
    res.set(kSessionHeader, result.created_session->id());
  }
  if (!result.insufficient_scope.empty()) {
    // The caller is authenticated but the operation needs more: the resource server's 403
    // challenge (RFC 6750 insufficient_scope) so the client can step up its authorization.
    const auth::Challenge c = authenticator_->insufficientScope(result.insufficient_scope);
    const auto challenge_status = http::int_to_status(static_cast<unsigned>(c.status));
    res.result(challenge_status == http::status::unknown ? http::status::forbidden
                                                         : challenge_status);
    if (!c.www_authenticate.empty()) {
      res.set(http::field::www_authenticate, c.www_authenticate);
    }
  }
  res.keep_alive(keepAlive(req));
  res.prepare_payload();
  return res;
}

web::Request HttpHandler::toWebRequest(const Request& req, std::string_view remote_address,
                                       bool tls) {
  web::Request out;
  out.method = std::string(req.method_string());
  out.target = std::string(req.target());
  out.headers.reserve(static_cast<std::size_t>(std::distance(req.begin(), req.end())));
  for (const auto& field : req) {
    std::string name(field.name_string());
    std::transform(name.begin(), name.end(), name.begin(), [](char c) {
      return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    });
    out.headers.emplace_back(std::move(name), std::string(field.value()));
  }
  out.body = req.body();
  out.remote_address = std::string(remote_address);
  out.tls = tls;
  return out;
}

Response HttpHandler::fromWebResponse(web::Response in, unsigned version, bool keep_alive) {
  Response res{http::status::ok, version};
  res.result(in.status >= 100 && in.status <= 599 ? static_cast<unsigned>(in.status) : 500u);
  bool cache_control = false;
  bool referrer_policy = false;
  for (auto& [name, value] : in.headers) {
    cache_control = cache_control || iequals(name, "cache-control");
    referrer_policy = referrer_policy || iequals(name, "referrer-policy");
    res.insert(name, value);  // insert, not set: Set-Cookie may repeat
  }
  res.set("X-Content-Type-Options", "nosniff");
  // A route may choose its own policy: the authorization server's HTML pages use same-origin,
  // because under no-referrer a browser sends `Origin: null` with their form POSTs, which
  // checkOrigin() rightly refuses.
  if (!referrer_policy) {
    res.set("Referrer-Policy", "no-referrer");
  }
  if (!cache_control) {
    res.set(http::field::cache_control, "no-store");
  }
  res.body() = std::move(in.body);
  res.keep_alive(keep_alive);
  res.prepare_payload();
  return res;
}

Response HttpHandler::handleRoute(const Request& req, const RouteAdmitted& route,
                                  std::string_view remote_address) const {
  // Caught once, where the request ends: a route's failure becomes a generic 500 (its message
  // may hold internals) and the connection lives on.
  try {
    web::Response res = route.routes->handle(toWebRequest(req, remote_address, options_.tls));
    return fromWebResponse(std::move(res), req.version(), keepAlive(req));
  } catch (const std::exception&) {
    web::Response failed;
    failed.status = 500;
    failed.set("content-type", "text/plain; charset=utf-8");
    failed.body = "Internal Server Error\n";
    return fromWebResponse(std::move(failed), req.version(), false);
  }
}

Response HttpHandler::dispatchJson(const Request& req, PostPlan plan) const {
  return respond(req, dispatcher_->handle(std::move(plan.inbound)));
}

}  // namespace bastion::transport
