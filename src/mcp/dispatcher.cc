// The Dispatcher: JSON-RPC validation, era selection, client responses; the eras do the rest.

#include "mcp/dispatcher.h"

#include <exception>

#include "audit/audit_log.h"
#include "mcp/eras.h"

namespace bastion::mcp {
namespace {

boost::json::object serverInfoJson(const ServerInfo& info) {
  boost::json::object o{{"name", info.name}, {"version", info.version}};
  if (!info.title.empty()) {
    o.emplace("title", info.title);
  }
  return o;
}

boost::json::object capabilitiesJson() {
  return boost::json::object{
      {"tools", {{"listChanged", false}}},
      {"resources", {{"subscribe", true}, {"listChanged", false}}},
      {"prompts", {{"listChanged", false}}},
      {"logging", boost::json::object{}},
      {"completions", boost::json::object{}},
  };
}

// Modern when the request carries per-request protocol metadata (either required key, so a
// modern request missing the other gets the modern -32602), or is server/discover.
bool isModern(const rpc::Envelope& env) {
  if (env.method == "server/discover") {
    return true;
  }
  const auto* meta = env.params != nullptr ? env.params->if_contains("_meta") : nullptr;
  const auto* meta_obj = meta != nullptr ? meta->if_object() : nullptr;
  return meta_obj != nullptr &&
         (meta_obj->contains(kMetaProtocolVersion) || meta_obj->contains(kMetaClientCapabilities));
}

class DispatcherImpl final : public Dispatcher {
 public:
  DispatcherImpl(std::shared_ptr<const Server> server, std::shared_ptr<SessionStore> sessions,
                 DispatcherOptions options)
      : env_{server,
             server->registry(),
             std::move(sessions),
             std::move(options),
             RequestStateCodec(systemRandom(), options.request_state_ttl),
             serverInfoJson(server->info()),
             capabilitiesJson()} {}

  DispatchResult handle(Inbound in) override {
    const rpc::Envelope env = rpc::inspect(in.message);
    try {
      return route(in, env);
    } catch (const std::exception&) {
      // Caught once, where the request ends; the text may hold internals, so it stays here.
      return errorAnswer(env, rpc::kInternalError, "Internal error", 500);
    }
  }

  bool mayBlock(const boost::json::value& message) const override {
    const auto* obj = message.if_object();
    const auto* method = obj != nullptr ? obj->if_contains("method") : nullptr;
    if (method == nullptr || !method->is_string()) {
      return false;
    }
    const auto m = method->get_string();
    if (m == "tools/call") {
      // An audit log that makes record() wait for the disk (fsync always) blocks every call.
      const CompiledTool* tool = calledTool(*obj);
      return tool == nullptr || !tool->spec.non_blocking ||
             (env_.options.audit != nullptr && env_.options.audit->recordWaitsForDisk());
    }
    return m == "prompts/get" || m == "resources/read" || m == "completion/complete";
  }

  bool waitsOnPeers(const boost::json::value& message) const override {
    const auto* obj = message.if_object();
    const auto* method = obj != nullptr ? obj->if_contains("method") : nullptr;
    if (method == nullptr || !method->is_string() || method->get_string() != "tools/call") {
      return false;
    }
    const CompiledTool* tool = calledTool(*obj);
    return tool != nullptr && tool->spec.waits_on_peers;
  }

 private:
  // The tool a tools/call names, or null (unknown, malformed).
  const CompiledTool* calledTool(const boost::json::object& message) const {
    const auto* params = message.if_contains("params");
    const auto* params_obj = params != nullptr ? params->if_object() : nullptr;
    const auto* name = params_obj != nullptr ? params_obj->if_contains("name") : nullptr;
    if (name == nullptr || !name->is_string()) {
      return nullptr;
    }
    return env_.registry.findTool(name->get_string());
  }

  DispatchResult route(Inbound& in, const rpc::Envelope& env) {
    switch (env.kind) {
      case rpc::MessageKind::Invalid:
        return errorAnswer(env, env.error_code, env.error_message, 400);
      case rpc::MessageKind::Response:
        return clientResponse(in, env);
      case rpc::MessageKind::Request:
      case rpc::MessageKind::Notification:
        break;
    }
    return isModern(env) ? handleModern(env_, in, env) : handleLegacy(env_, in, env);
  }

  // A client's answer to one of our server-to-client requests (legacy era).
  DispatchResult clientResponse(const Inbound& in, const rpc::Envelope& env) {
    if (in.session != nullptr && env.id->is_string()) {
      // An unknown id is dropped: a late answer to a timed-out request is not an error.
      in.session->resolvePendingRequest(std::string(env.id->get_string()), in.message);
    }
    return noAnswer();
  }

  DispatchEnv env_;
};

}  // namespace

std::chrono::system_clock::time_point DispatchEnv::wallNow() const {
  return options.wall_clock ? options.wall_clock() : std::chrono::system_clock::now();
}

std::chrono::steady_clock::time_point DispatchEnv::steadyNow() const {
  return options.steady_clock ? options.steady_clock() : std::chrono::steady_clock::now();
}

MethodFn sharedMethod(std::string_view method) {
  if (method == "tools/call") {
    return &toolsCall;
  }
  if (method == "tools/list") {
    return &toolsList;
  }
  if (method == "resources/read") {
    return &resourcesRead;
  }
  if (method == "resources/list") {
    return &resourcesList;
  }
  if (method == "resources/templates/list") {
    return &resourceTemplatesList;
  }
  if (method == "prompts/list") {
    return &promptsList;
  }
  if (method == "prompts/get") {
    return &promptsGet;
  }
  if (method == "completion/complete") {
    return &completionComplete;
  }
  return nullptr;
}

DispatchResult errorAnswer(const rpc::Envelope& env, int code, std::string_view message,
                           int http_status, std::optional<boost::json::value> data) {
  DispatchResult r;
  if (env.kind == rpc::MessageKind::Notification) {
    // Notifications get no JSON-RPC answer; HTTP still says it was refused.
    r.http_status = http_status == 200 ? 202 : http_status;
    return r;
  }
  r.response = rpc::error(env.id, code, message, std::move(data));
  r.http_status = http_status;
  return r;
}

DispatchResult noAnswer() {
  DispatchResult r;
  r.http_status = 202;
  return r;
}

namespace {

class TrackGuard {
 public:
  TrackGuard(Session* session, std::string key, const std::shared_ptr<std::atomic<bool>>& flag)
      : session_(session), key_(std::move(key)) {
    if (session_ != nullptr) {
      session_->trackRequest(key_, flag);
    }
  }
  ~TrackGuard() {
    if (session_ != nullptr) {
      session_->untrackRequest(key_);
    }
  }
  TrackGuard(const TrackGuard&) = delete;
  TrackGuard& operator=(const TrackGuard&) = delete;

 private:
  Session* session_;
  std::string key_;
};

}  // namespace

MethodResult runTracked(const rpc::Envelope& env, Session* session,
                        const std::shared_ptr<std::atomic<bool>>& flag, MethodFn fn,
                        const MethodCall& call) {
  TrackGuard guard(session, session != nullptr ? rpc::idKey(*env.id) : std::string(), flag);
  // Cancelled while it waited for a worker (the session remembered the early cancel, or the
  // transport gave up): the method never runs.
  if (call.ctx.cancelled()) {
    return RpcError{kOutcomeCancelled, "the request was cancelled", std::nullopt, 200};
  }
  return fn(call);
}

std::unique_ptr<Dispatcher> Dispatcher::create(std::shared_ptr<const Server> server,
                                               std::shared_ptr<SessionStore> sessions,
                                               DispatcherOptions options) {
  return std::make_unique<DispatcherImpl>(std::move(server), std::move(sessions),
                                          std::move(options));
}

}  // namespace bastion::mcp
