// Modern era (2026-07-28): stateless requests carrying _meta protocol version and client
// capabilities; HTTP header/body agreement; resultType, cache hints and MRTR on results.

#include "mcp/eras.h"
#include "mcp/header_params.h"

namespace bastion::mcp {
namespace {

const boost::json::object& paramsOf(const rpc::Envelope& env) {
  static const boost::json::object empty;
  return env.params != nullptr ? *env.params : empty;
}

bool cacheable(std::string_view method) {
  return method == "tools/list" || method == "prompts/list" || method == "resources/list" ||
         method == "resources/templates/list" || method == "resources/read" ||
         method == "server/discover";
}

// What server/discover advertises. In 2026-07-28 `resources.subscribe` (and any listChanged)
// promises delivery on a subscriptions/listen stream, which this server does not implement:
// advertise no such capability rather than one the server would answer with -32601.
boost::json::object modernCapabilities(boost::json::object caps) {
  if (auto* resources = caps.if_contains("resources");
      resources != nullptr && resources->is_object()) {
    resources->get_object().erase("subscribe");
  }
  return caps;
}

bool mrtrCapable(std::string_view method) {
  return method == "tools/call" || method == "prompts/get" || method == "resources/read";
}

// The body value Mcp-Name mirrors, for the methods that require the header.
std::optional<std::string_view> nameTarget(std::string_view method,
                                           const boost::json::object& params) {
  const char* field = method == "resources/read" ? "uri" : "name";
  const auto* v = params.if_contains(field);
  if (v == nullptr || !v->is_string()) {
    return std::nullopt;
  }
  return std::string_view(v->get_string());
}

// Header checks (Streamable HTTP "Server Validation"): the headers intermediaries route on
// must say what the body says.
std::optional<std::string> headerMismatch(const Registry& registry, const Inbound& in,
                                          const rpc::Envelope& env, std::string_view body_version) {
  if (*in.http.protocol_version != body_version) {
    return "Header mismatch: MCP-Protocol-Version does not match _meta protocolVersion";
  }
  if (!in.http.method || *in.http.method != env.method) {
    return "Header mismatch: Mcp-Method is missing or does not match the body";
  }
  if (!mrtrCapable(env.method)) {
    return std::nullopt;
  }
  if (!in.http.name) {
    return "Header mismatch: Mcp-Name is required for this method";
  }
  const auto header = decodeHeaderValue(*in.http.name);
  const auto body = nameTarget(env.method, paramsOf(env));
  if (!header || !body || *header != *body) {
    return "Header mismatch: Mcp-Name does not match the body";
  }
  if (env.method != "tools/call") {
    return std::nullopt;
  }
  const CompiledTool* tool = registry.findTool(*body);
  if (tool == nullptr || tool->header_params.empty()) {
    return std::nullopt;
  }
  static const boost::json::object kNoArguments;
  const auto* args = paramsOf(env).if_contains("arguments");
  const auto* args_obj = args != nullptr ? args->if_object() : nullptr;
  return paramHeaderMismatch(tool->header_params, args_obj != nullptr ? *args_obj : kNoArguments,
                             in.http);
}

struct Meta {
  std::string_view version;
  const boost::json::object* capabilities = nullptr;
  std::optional<LogLevel> log_level;
  const boost::json::value* progress_token = nullptr;
};

DispatchResult badRequest(const rpc::Envelope& env, int code, std::string_view message,
                          std::optional<boost::json::value> data = std::nullopt) {
  return errorAnswer(env, code, message, 400, std::move(data));
}

class ModernRequest {
 public:
  ModernRequest(const DispatchEnv& denv, Inbound& in, const rpc::Envelope& env)
      : denv_(denv), in_(in), env_(env), params_(paramsOf(env)) {}

  DispatchResult run() {
    if (env_.kind == rpc::MessageKind::Notification) {
      return notification();
    }
    if (in_.transport == TransportKind::Http && !in_.http.protocol_version) {
      return badRequest(env_, rpc::kHeaderMismatch,
                        "Header mismatch: MCP-Protocol-Version is missing");
    }
    if (auto bad = readMeta()) {
      return std::move(*bad);
    }
    if (in_.transport == TransportKind::Http) {
      if (auto mismatch = headerMismatch(denv_.registry, in_, env_, meta_.version)) {
        return badRequest(env_, rpc::kHeaderMismatch, *mismatch);
      }
    }
    // After the header check: a body version that disagrees with MCP-Protocol-Version is a
    // HeaderMismatch (-32020) even when it is also unsupported; -32022 is for agreeing values.
    if (auto bad = unsupportedVersion()) {
      return std::move(*bad);
    }
    if (env_.method == "server/discover") {
      return complete(discover());
    }
    MethodFn fn = sharedMethod(env_.method);
    if (fn == nullptr) {
      // Includes initialize, ping, logging/setLevel and resources/(un)subscribe: not in 2026-07-28.
      return errorAnswer(env_, rpc::kMethodNotFound, "Method not found", 404);
    }
    return execute(fn);
  }

 private:
  std::optional<DispatchResult> readMeta() {
    const auto* meta_value = params_.if_contains("_meta");
    const auto* meta = meta_value != nullptr ? meta_value->if_object() : nullptr;
    const auto* version = meta != nullptr ? meta->if_contains(kMetaProtocolVersion) : nullptr;
    const auto* caps = meta != nullptr ? meta->if_contains(kMetaClientCapabilities) : nullptr;
    if (version == nullptr || !version->is_string() || caps == nullptr || !caps->is_object()) {
      return badRequest(env_, rpc::kInvalidParams,
                        "Invalid params: _meta needs protocolVersion and clientCapabilities");
    }
    meta_.version = version->get_string();
    meta_.capabilities = &caps->get_object();
    if (const auto* level = meta->if_contains(kMetaLogLevel)) {
      meta_.log_level = level->is_string() ? parseLogLevel(level->get_string()) : std::nullopt;
      if (!meta_.log_level) {
        return badRequest(env_, rpc::kInvalidParams, "Invalid params: unknown logLevel");
      }
    }
    meta_.progress_token = meta->if_contains("progressToken");
    return std::nullopt;
  }

  std::optional<DispatchResult> unsupportedVersion() const {
    if (meta_.version == kModernVersion) {
      return std::nullopt;
    }
    boost::json::object data{{"supported", boost::json::array{kModernVersion}},
                             {"requested", meta_.version}};
    return badRequest(env_, rpc::kUnsupportedProtocolVersion, "Unsupported protocol version",
                      std::move(data));
  }

  DispatchResult notification() {
    if (env_.method == "notifications/cancelled" && in_.session != nullptr) {
      const auto* id = params_.if_contains("requestId");
      if (id != nullptr && (id->is_string() || id->is_int64() || id->is_uint64())) {
        in_.session->cancelRequest(rpc::idKey(*id));
      }
    }
    return noAnswer();
  }

  boost::json::object discover() const {
    boost::json::object r;
    r.emplace("supportedVersions", boost::json::array{kModernVersion});
    r.emplace("capabilities", modernCapabilities(denv_.capabilities));
    r.emplace("serverInfo", denv_.server_info);
    if (!denv_.registry.info().instructions.empty()) {
      r.emplace("instructions", denv_.registry.info().instructions);
    }
    return r;
  }

  // MRTR input: earlier rounds' answers (sealed requestState) plus this round's inputResponses.
  std::optional<DispatchResult> readAnswers(boost::json::object& answers) {
    if (!mrtrCapable(env_.method)) {
      return std::nullopt;
    }
    target_ = std::string(nameTarget(env_.method, params_).value_or(""));
    if (const auto* state = params_.if_contains("requestState")) {
      auto opened = state->is_string()
                        ? denv_.state_codec.open(state->get_string(), in_.principal, env_.method,
                                                 target_, denv_.wallNow())
                        : std::nullopt;
      if (!opened) {
        return badRequest(env_, rpc::kInvalidParams,
                          "Invalid params: requestState failed verification");
      }
      answers = std::move(*opened);
    }
    if (const auto* responses = params_.if_contains("inputResponses")) {
      if (!responses->is_object()) {
        return badRequest(env_, rpc::kInvalidParams,
                          "Invalid params: inputResponses must be an object");
      }
      for (const auto& [key, value] : responses->get_object()) {
        // Every input response (ElicitResult, CreateMessageResult, ListRootsResult) is an
        // object; anything else is malformed input, not an answer to hand a handler.
        if (!value.is_object()) {
          return badRequest(env_, rpc::kInvalidParams,
                            "Invalid params: each inputResponses value must be an object");
        }
        answers[key] = value;
      }
    }
    return std::nullopt;
  }

  DispatchResult execute(MethodFn fn) {
    boost::json::object answers;
    if (auto bad = readAnswers(answers)) {
      return std::move(*bad);
    }
    auto flag = std::make_shared<std::atomic<bool>>(false);
    RequestContext ctx(RequestContext::Init{.era = Era::Modern,
                                            .principal = &in_.principal,
                                            .protocol_version = std::string(meta_.version),
                                            .client_capabilities = meta_.capabilities,
                                            .session = in_.session,
                                            .out = in_.out,
                                            .transport_cancelled = in_.cancelled,
                                            .request_cancelled = flag,
                                            .progress_token = meta_.progress_token,
                                            .log_level = meta_.log_level,
                                            .answers = std::move(answers)});
    MethodCall call{denv_.registry, Era::Modern, params_, ctx, denv_.options, env_.id};
    MethodResult r = runTracked(env_, in_.session.get(), flag, fn, call);
    if (ctx.cancelled() || (!r && r.error().code == kOutcomeCancelled)) {
      return noAnswer();
    }
    if (r) {
      return complete(std::move(*r));
    }
    return failure(r.error(), ctx);
  }

  DispatchResult failure(RpcError e, const RequestContext& ctx) {
    if (e.code == kOutcomeMissingCapability) {
      boost::json::object data{{"requiredCapabilities", ctx.missingCapabilities()}};
      return badRequest(env_, rpc::kMissingClientCapability, "Missing required client capability",
                        std::move(data));
    }
    if (e.code == kOutcomeInputRequired) {
      if (!mrtrCapable(env_.method) || ctx.inputRequests().empty()) {
        return errorAnswer(env_, rpc::kInternalError, "Internal error", 200);
      }
      boost::json::object r;
      r.emplace("resultType", "input_required");
      r.emplace("inputRequests", ctx.inputRequests());
      r.emplace("requestState", denv_.state_codec.seal(in_.principal, env_.method, target_,
                                                       ctx.answers(), denv_.wallNow()));
      r.emplace("_meta", boost::json::object{{kMetaServerInfo, denv_.server_info}});
      DispatchResult d;
      d.response = rpc::result(*env_.id, std::move(r));
      return d;
    }
    if (e.code > 0) {
      return errorAnswer(env_, rpc::kInternalError, "Internal error", 200);
    }
    const int status = e.code == rpc::kMethodNotFound ? 404 : e.http_status;
    std::vector<std::string> required = requiredScopesOf(e);
    DispatchResult d = errorAnswer(env_, e.code, e.message, status, std::move(e.data));
    d.insufficient_scope = std::move(required);
    return d;
  }

  DispatchResult complete(boost::json::object result) const {
    result.emplace("resultType", "complete");
    if (cacheable(env_.method)) {
      result.emplace("ttlMs", env_.method == "resources/read" ? 0 : denv_.options.list_ttl.count());
      // Private: results may depend on the caller (scope-filtered lists, per-user content),
      // so shared caches must not serve them to anyone else.
      result.emplace("cacheScope", "private");
    }
    result["_meta"] = boost::json::object{{kMetaServerInfo, denv_.server_info}};
    DispatchResult d;
    d.response = rpc::result(*env_.id, std::move(result));
    return d;
  }

  const DispatchEnv& denv_;
  Inbound& in_;
  const rpc::Envelope& env_;
  const boost::json::object& params_;
  Meta meta_;
  std::string target_;
};

}  // namespace

DispatchResult handleModern(const DispatchEnv& denv, Inbound& in, const rpc::Envelope& env) {
  return ModernRequest(denv, in, env).run();
}

}  // namespace bastion::mcp
