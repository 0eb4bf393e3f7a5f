// Legacy era (2025-03-26, 2025-06-18, 2025-11-25): initialize and sessions, ping,
// logging/setLevel, subscriptions, notifications, then the shared methods.

#include <array>

#include "mcp/eras.h"

namespace bastion::mcp {
namespace {

// Newest first; an unknown requested version is answered with the first.
constexpr std::array<std::string_view, 3> kLegacyVersions = {"2025-11-25", "2025-06-18",
                                                             "2025-03-26"};

DispatchResult answer(const rpc::Envelope& env, boost::json::object result) {
  DispatchResult r;
  r.response = rpc::result(*env.id, std::move(result));
  return r;
}

const boost::json::object& paramsOf(const rpc::Envelope& env) {
  static const boost::json::object empty;
  return env.params != nullptr ? *env.params : empty;
}

DispatchResult initialize(const DispatchEnv& denv, Inbound& in, const rpc::Envelope& env) {
  const auto& params = paramsOf(env);
  const auto* requested = params.if_contains("protocolVersion");
  if (requested == nullptr || !requested->is_string()) {
    return errorAnswer(env, rpc::kInvalidParams, "Invalid params: protocolVersion is required",
                       400);
  }
  std::string_view version = kLegacyVersions.front();
  for (auto v : kLegacyVersions) {
    if (requested->get_string() == v) {
      version = v;
    }
  }
  boost::json::object caps;
  if (const auto* c = params.if_contains("capabilities"); c != nullptr && c->is_object()) {
    caps = c->get_object();
  }
  DispatchResult r;
  std::shared_ptr<Session> session = in.session;
  if (in.transport == TransportKind::Http || session == nullptr) {
    // HTTP: every initialize opens a new session, bound to the authenticated principal.
    if (denv.sessions == nullptr) {
      return errorAnswer(env, rpc::kInternalError, "Internal error: no session store", 500);
    }
    auto created = denv.sessions->create(in.principal, denv.steadyNow());
    if (!created) {
      return errorAnswer(env, rpc::kInternalError, "Server busy: too many sessions", 503);
    }
    session = *created;
    r.created_session = session;
  } else if (session->negotiated()) {
    return errorAnswer(env, rpc::kInvalidRequest, "Invalid Request: already initialized", 400);
  }
  session->setNegotiated(std::string(version), std::move(caps));
  boost::json::object result;
  result.emplace("protocolVersion", version);
  result.emplace("capabilities", denv.capabilities);
  result.emplace("serverInfo", denv.server_info);
  if (!denv.registry.info().instructions.empty()) {
    result.emplace("instructions", denv.registry.info().instructions);
  }
  r.response = rpc::result(*env.id, std::move(result));
  return r;
}

DispatchResult notification(const Inbound& in, const rpc::Envelope& env) {
  if (env.method == "notifications/initialized") {
    if (in.session == nullptr || !in.session->negotiated()) {
      return errorAnswer(env, rpc::kInvalidRequest, "Invalid Request: no session", 400);
    }
    in.session->markInitialized();
  } else if (env.method == "notifications/cancelled" && in.session != nullptr) {
    const auto* id = paramsOf(env).if_contains("requestId");
    if (id != nullptr && (id->is_string() || id->is_int64() || id->is_uint64())) {
      in.session->cancelRequest(rpc::idKey(*id));
    }
  }
  // Other notifications (roots/list_changed, progress, ...) need no action.
  return noAnswer();
}

DispatchResult sessionMethod(Inbound& in, const rpc::Envelope& env) {
  const auto& params = paramsOf(env);
  Session& session = *in.session;
  if (env.method == "logging/setLevel") {
    const auto* level = params.if_contains("level");
    const auto parsed =
        level != nullptr && level->is_string() ? parseLogLevel(level->get_string()) : std::nullopt;
    if (!parsed) {
      return errorAnswer(env, rpc::kInvalidParams, "Invalid params: unknown log level", 200);
    }
    session.setLogLevel(*parsed);
    return answer(env, {});
  }
  const auto* uri = params.if_contains("uri");
  if (uri == nullptr || !uri->is_string()) {
    return errorAnswer(env, rpc::kInvalidParams, "Invalid params: uri is required", 200);
  }
  if (env.method == "resources/subscribe") {
    session.subscribe(std::string(uri->get_string()));
  } else {
    session.unsubscribe(std::string(uri->get_string()));
  }
  return answer(env, {});
}

DispatchResult shared(const DispatchEnv& denv, Inbound& in, const rpc::Envelope& env, MethodFn fn) {
  const auto& params = paramsOf(env);
  const boost::json::value* progress_token = nullptr;
  if (const auto* meta = params.if_contains("_meta"); meta != nullptr && meta->is_object()) {
    progress_token = meta->get_object().if_contains("progressToken");
  }
  auto flag = std::make_shared<std::atomic<bool>>(false);
  RequestContext ctx(RequestContext::Init{.era = Era::Legacy,
                                          .principal = &in.principal,
                                          .protocol_version = in.session->protocolVersion(),
                                          .client_capabilities = nullptr,
                                          .session = in.session,
                                          .out = in.out,
                                          .transport_cancelled = in.cancelled,
                                          .request_cancelled = flag,
                                          .progress_token = progress_token,
                                          .log_level = std::nullopt,
                                          .answers = {}});
  MethodCall call{denv.registry, Era::Legacy, params, ctx, denv.options, env.id};
  MethodResult r = runTracked(env, in.session.get(), flag, fn, call);
  // A cancelled request gets no response (cancellation utility).
  if (ctx.cancelled() || (!r && r.error().code == kOutcomeCancelled)) {
    return noAnswer();
  }
  if (r) {
    return answer(env, std::move(*r));
  }
  if (r.error().code > 0) {
    // InputRequired cannot arise in this era; a missing capability outside tools/call is the
    // server's failure to serve this client, not the client's malformed request.
    return errorAnswer(env, rpc::kInternalError, "Internal error: " + r.error().message, 200);
  }
  std::vector<std::string> required = requiredScopesOf(r.error());
  DispatchResult d = errorAnswer(env, r.error().code, r.error().message, r.error().http_status,
                                 std::move(r.error().data));
  d.insufficient_scope = std::move(required);
  return d;
}

}  // namespace

DispatchResult handleLegacy(const DispatchEnv& denv, Inbound& in, const rpc::Envelope& env) {
  if (env.kind == rpc::MessageKind::Notification) {
    return notification(in, env);
  }
  if (env.method == "initialize") {
    return initialize(denv, in, env);
  }
  if (env.method == "ping") {
    return answer(env, {});
  }
  // Everything else needs an initialized session: on HTTP the transport found it from
  // Mcp-Session-Id; a request with neither a session nor modern _meta is refused.
  if (in.session == nullptr || !in.session->negotiated()) {
    return errorAnswer(env, rpc::kInvalidParams,
                       "Bad Request: no initialized session and no per-request _meta", 400);
  }
  if (env.method == "logging/setLevel" || env.method == "resources/subscribe" ||
      env.method == "resources/unsubscribe") {
    return sessionMethod(in, env);
  }
  if (MethodFn fn = sharedMethod(env.method)) {
    return shared(denv, in, env, fn);
  }
  return errorAnswer(env, rpc::kMethodNotFound, "Method not found", 200);
}

}  // namespace bastion::mcp
