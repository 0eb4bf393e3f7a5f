#include "mcp/call_context.h"

#include <condition_variable>
#include <mutex>

#include "mcp/jsonrpc.h"

namespace bastion::mcp {
namespace {

// The client capability a server-to-client request needs; empty for methods we never send.
std::string_view capabilityFor(std::string_view method) {
  if (method == "sampling/createMessage") {
    return "sampling";
  }
  if (method == "elicitation/create") {
    return "elicitation";
  }
  if (method == "roots/list") {
    return "roots";
  }
  return {};
}

const boost::json::object& emptyObject() {
  static const boost::json::object empty;
  return empty;
}

// One pending server-to-client request: the handler thread waits, the thread that receives
// the client's response fills it.
struct Waiter {
  std::mutex mu;
  std::condition_variable cv;
  std::optional<boost::json::value> response;  // guarded by mu
};

}  // namespace

RequestContext::RequestContext(Init init) : init_(std::move(init)) {}

const boost::json::object& RequestContext::clientCapabilities() const {
  if (init_.client_capabilities != nullptr) {
    return *init_.client_capabilities;
  }
  if (init_.session == nullptr) {
    return emptyObject();
  }
  std::call_once(legacy_capabilities_once_,
                 [this] { legacy_capabilities_ = init_.session->clientCapabilities(); });
  return legacy_capabilities_;
}

bool RequestContext::cancelled() const {
  return (init_.request_cancelled && init_.request_cancelled->load()) ||
         (init_.transport_cancelled && init_.transport_cancelled->load());
}

bool RequestContext::send(const boost::json::value& message) const {
  return init_.out != nullptr && init_.out->send(message);
}

void RequestContext::progress(double progress, std::optional<double> total,
                              std::string_view message) {
  if (init_.progress_token == nullptr || cancelled()) {
    return;
  }
  boost::json::object params;
  params.emplace("progressToken", *init_.progress_token);
  params.emplace("progress", progress);
  if (total) {
    params.emplace("total", *total);
  }
  if (!message.empty()) {
    params.emplace("message", message);
  }
  send(rpc::notification("notifications/progress", std::move(params)));
}

void RequestContext::log(LogLevel level, const boost::json::value& data, std::string_view logger) {
  std::optional<LogLevel> threshold = init_.log_level;
  if (init_.era == Era::Legacy && init_.session != nullptr) {
    threshold = init_.session->logLevel();
  }
  // Nothing unless the client asked (legacy: logging/setLevel; modern: _meta logLevel).
  if (!threshold || level < *threshold || cancelled()) {
    return;
  }
  boost::json::object params;
  params.emplace("level", logLevelName(level));
  if (!logger.empty()) {
    params.emplace("logger", logger);
  }
  params.emplace("data", data);
  send(rpc::notification("notifications/message", std::move(params)));
}

Result<boost::json::value> RequestContext::request(std::string_view method,
                                                   boost::json::object params,
                                                   std::chrono::milliseconds timeout) {
  const std::string key = "input-" + std::to_string(++next_key_);
  return requestAs(key, method, std::move(params), timeout);
}

Result<boost::json::value> RequestContext::requestAs(std::string_view key, std::string_view method,
                                                     boost::json::object params,
                                                     std::chrono::milliseconds timeout) {
  const std::string_view capability = capabilityFor(method);
  if (capability.empty()) {
    return Error(HandlerError::ClientRequestFailed, "unsupported client request method");
  }
  if (!clientCapabilities().contains(capability)) {
    std::lock_guard lock(mu_);
    missing_capabilities_[capability] = boost::json::object{};
    return Error(HandlerError::MissingClientCapability,
                 "the client did not declare the " + std::string(capability) + " capability");
  }
  if (init_.era == Era::Legacy) {
    return legacyRequest(method, std::move(params), timeout);
  }
  if (const auto* answer = init_.answers.if_contains(key)) {
    return *answer;
  }
  std::lock_guard lock(mu_);
  input_requests_[key] = boost::json::object{{"method", method}, {"params", std::move(params)}};
  return Error(HandlerError::InputRequired, "input required");
}

Result<boost::json::value> RequestContext::legacyRequest(std::string_view method,
                                                         boost::json::object params,
                                                         std::chrono::milliseconds timeout) {
  const std::shared_ptr<Session>& session = init_.session;
  std::shared_ptr<Outbound> out = init_.out;
  if (out == nullptr && session != nullptr) {
    out = session->standaloneStream();
  }
  if (session == nullptr || out == nullptr) {
    return Error(HandlerError::ClientRequestFailed, "no stream to send the request to the client");
  }
  auto waiter = std::make_shared<Waiter>();
  const std::string id = session->registerPendingRequest([waiter](const boost::json::value& r) {
    {
      std::lock_guard lock(waiter->mu);
      waiter->response = r;
    }
    waiter->cv.notify_all();
  });
  boost::json::object message{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}};
  message.emplace("params", std::move(params));
  if (!out->send(message)) {
    session->dropPendingRequest(id);
    return Error(HandlerError::Cancelled, "the client went away");
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::unique_lock lock(waiter->mu);
  // Wakes periodically to notice cancellation, which does not signal this condition variable.
  while (!waiter->response) {
    if (cancelled() || std::chrono::steady_clock::now() >= deadline) {
      lock.unlock();
      session->dropPendingRequest(id);
      out->send(rpc::notification(
          "notifications/cancelled",
          {{"requestId", id}, {"reason", cancelled() ? "cancelled" : "timeout"}}));
      if (cancelled()) {
        return Error(HandlerError::Cancelled, "the request was cancelled");
      }
      return Error(HandlerError::ClientRequestFailed, "the client did not answer in time");
    }
    waiter->cv.wait_until(
        lock, std::min(deadline, std::chrono::steady_clock::now() + std::chrono::milliseconds(20)));
  }
  const boost::json::value response = std::move(*waiter->response);
  lock.unlock();
  const auto& obj = response.get_object();
  if (const auto* result = obj.if_contains("result")) {
    return *result;
  }
  return Error(HandlerError::ClientRequestFailed, "the client answered with an error");
}

void RequestContext::closeStream() {
  if (init_.out != nullptr) {
    init_.out->closeStream();
  }
}

}  // namespace bastion::mcp
