#pragma once
// Internal to bastion::mcp: what the dispatcher shares with its two era front-ends.

#include <boost/json/object.hpp>
#include <memory>
#include <string_view>

#include "mcp/call_context.h"
#include "mcp/dispatcher.h"
#include "mcp/jsonrpc.h"
#include "mcp/methods.h"
#include "mcp/registry.h"
#include "mcp/request_state.h"
#include "mcp/server.h"

namespace bastion::mcp {

inline constexpr std::string_view kModernVersion = "2026-07-28";
inline constexpr std::string_view kMetaProtocolVersion = "io.modelcontextprotocol/protocolVersion";
inline constexpr std::string_view kMetaClientCapabilities =
    "io.modelcontextprotocol/clientCapabilities";
inline constexpr std::string_view kMetaLogLevel = "io.modelcontextprotocol/logLevel";
inline constexpr std::string_view kMetaServerInfo = "io.modelcontextprotocol/serverInfo";

// The dispatcher's immutable state, shared by every request.
struct DispatchEnv {
  std::shared_ptr<const Server> server;
  const Registry& registry;
  std::shared_ptr<SessionStore> sessions;
  DispatcherOptions options;
  RequestStateCodec state_codec;
  boost::json::object server_info;   // {name, version, title?}
  boost::json::object capabilities;  // what both eras advertise

  std::chrono::system_clock::time_point wallNow() const;
  std::chrono::steady_clock::time_point steadyNow() const;
};

using MethodFn = MethodResult (*)(const MethodCall&);
// The methods both eras serve with the same code; nullptr for any other method.
MethodFn sharedMethod(std::string_view method);

// A JSON-RPC error answer for the request `env` describes.
DispatchResult errorAnswer(const rpc::Envelope& env, int code, std::string_view message,
                           int http_status, std::optional<boost::json::value> data = std::nullopt);
DispatchResult noAnswer();

// Runs `fn` with `ctx`, tracking the request in `session` (if any) so that
// notifications/cancelled can reach it.
MethodResult runTracked(const rpc::Envelope& env, Session* session,
                        const std::shared_ptr<std::atomic<bool>>& flag, MethodFn fn,
                        const MethodCall& call);

DispatchResult handleLegacy(const DispatchEnv& denv, Inbound& in, const rpc::Envelope& env);
DispatchResult handleModern(const DispatchEnv& denv, Inbound& in, const rpc::Envelope& env);

}  // namespace bastion::mcp
