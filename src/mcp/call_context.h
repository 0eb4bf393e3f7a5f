#pragma once
// The CallContext a handler receives, for both eras (internal to bastion::mcp).
// Legacy: progress/log/server-to-client requests go out on the request's stream and requests
// block for the client's response. Modern (MRTR): request() answers from the retried
// request's inputResponses (and sealed requestState) or records an input request.

#include <atomic>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "mcp/dispatcher.h"
#include "mcp/session.h"
#include "mcp/types.h"

namespace bastion::mcp {

enum class Era { Legacy, Modern };

class RequestContext final : public CallContext {
 public:
  struct Init {
    Era era = Era::Legacy;
    const Principal* principal = nullptr;
    std::string protocol_version;
    const boost::json::object* client_capabilities = nullptr;  // modern: from _meta
    std::shared_ptr<Session> session;                          // legacy, and stdio
    std::shared_ptr<Outbound> out;
    std::shared_ptr<std::atomic<bool>> transport_cancelled;
    std::shared_ptr<std::atomic<bool>> request_cancelled;
    const boost::json::value* progress_token = nullptr;
    std::optional<LogLevel> log_level;  // modern: from _meta; legacy: read from the session
    boost::json::object answers;        // modern: inputResponses merged with requestState
  };

  explicit RequestContext(Init init);

  const Principal& principal() const override { return *init_.principal; }
  std::string_view protocolVersion() const override { return init_.protocol_version; }
  const boost::json::object& clientCapabilities() const override;
  bool cancelled() const override;
  void progress(double progress, std::optional<double> total, std::string_view message) override;
  void log(LogLevel level, const boost::json::value& data, std::string_view logger) override;
  Result<boost::json::value> request(std::string_view method, boost::json::object params,
                                     std::chrono::milliseconds timeout) override;
  Result<boost::json::value> requestAs(std::string_view key, std::string_view method,
                                       boost::json::object params,
                                       std::chrono::milliseconds timeout) override;
  void closeStream() override;

  Era era() const { return init_.era; }
  // Modern era, after the handler returned: what it asked for and what it lacked.
  const boost::json::object& inputRequests() const { return input_requests_; }
  const boost::json::object& answers() const { return init_.answers; }
  const boost::json::object& missingCapabilities() const { return missing_capabilities_; }

 private:
  Result<boost::json::value> legacyRequest(std::string_view method, boost::json::object params,
                                           std::chrono::milliseconds timeout);
  bool send(const boost::json::value& message) const;

  Init init_;
  mutable std::once_flag legacy_capabilities_once_;
  mutable boost::json::object legacy_capabilities_;  // copied from the session on first use
  std::atomic<unsigned> next_key_{0};
  std::mutex mu_;  // guards the two objects below (a handler may call request() from threads)
  boost::json::object input_requests_;
  boost::json::object missing_capabilities_;
};

}  // namespace bastion::mcp
