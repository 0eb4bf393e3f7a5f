#pragma once
// A CallContext for calling tool handlers directly in tests: a fixed principal, no client
// (client requests fail with ClientRequestFailed), progress and log messages dropped, and
// cancellation on demand (cancel(), from any thread).

#include <atomic>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <optional>
#include <string_view>
#include <utility>

#include "mcp/types.h"

namespace bastion::testing {

class TestCallContext : public mcp::CallContext {
 public:
  explicit TestCallContext(
      mcp::Principal principal = {.iss = "local", .sub = "test", .client_id = "", .scopes = {}})
      : principal_(std::move(principal)) {}

  const mcp::Principal& principal() const override { return principal_; }
  std::string_view protocolVersion() const override { return "2025-11-25"; }
  const boost::json::object& clientCapabilities() const override { return caps_; }
  bool cancelled() const override { return cancelled_.load(); }
  void progress(double, std::optional<double>, std::string_view) override {}
  void log(mcp::LogLevel, const boost::json::value&, std::string_view) override {}
  Result<boost::json::value> request(std::string_view, boost::json::object,
                                     std::chrono::milliseconds) override {
    return Error(mcp::HandlerError::ClientRequestFailed, "no client");
  }
  void closeStream() override {}

  void cancel() { cancelled_ = true; }

 private:
  mcp::Principal principal_;
  boost::json::object caps_;
  std::atomic<bool> cancelled_{false};
};

}  // namespace bastion::testing
