#pragma once
// Shared fixtures for dispatcher tests: a server with a few tools, resources and prompts, an
// Outbound that records what the dispatcher sends, and request builders for both eras.

#include <boost/json.hpp>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "mcp/dispatcher.h"
#include "mcp/server.h"
#include "mcp/session.h"

namespace bastion::mcp::testing {

class RecordingOutbound final : public Outbound {
 public:
  bool send(const boost::json::value& message) override;
  void closeStream() override { ++closed; }

  std::vector<boost::json::value> messages() const;
  std::vector<boost::json::value> withMethod(std::string_view method) const;

  // Called for every message after recording it (e.g. to answer a server-to-client request).
  std::function<void(const boost::json::value&)> on_send;
  bool alive = true;
  int closed = 0;

 private:
  mutable std::mutex mu_;
  std::vector<boost::json::value> messages_;
};

std::shared_ptr<Server> makeTestServer();

auth::Principal alice();
auth::Principal bob();

// A dispatcher over makeTestServer() with `page_size` list pages.
struct Harness {
  explicit Harness(std::size_t page_size = 100);
  // With the given options (guards, clocks); wall_clock defaults to wall_now.
  explicit Harness(DispatcherOptions options);

  std::shared_ptr<Server> server;
  std::shared_ptr<SessionStore> sessions;
  std::unique_ptr<Dispatcher> dispatcher;
  std::shared_ptr<RecordingOutbound> out = std::make_shared<RecordingOutbound>();
  std::chrono::system_clock::time_point wall_now{std::chrono::hours(24 * 365 * 56)};

  // Legacy over stdio: one session, initialized with `capabilities`.
  std::shared_ptr<Session> stdioSession(boost::json::object capabilities = {});
  DispatchResult legacy(const std::shared_ptr<Session>& session, boost::json::value message,
                        TransportKind transport = TransportKind::Stdio);
  // Modern over stdio, or over HTTP with matching headers unless `http` overrides them.
  DispatchResult modern(boost::json::value message);
  DispatchResult modernHttp(boost::json::value message, HttpMetadata http);
};

boost::json::value request(boost::json::value id, std::string_view method,
                           boost::json::object params = {});
// A modern request: params._meta gets protocolVersion 2026-07-28 and `capabilities`.
boost::json::value modernRequest(boost::json::value id, std::string_view method,
                                 boost::json::object params = {},
                                 boost::json::object capabilities = {});
HttpMetadata headersFor(const boost::json::value& message);

const boost::json::object& resultOf(const DispatchResult& r);
std::int64_t errorCode(const DispatchResult& r);
std::string firstText(const boost::json::object& tool_result);

}  // namespace bastion::mcp::testing
