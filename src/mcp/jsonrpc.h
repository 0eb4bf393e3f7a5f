#pragma once
// JSON-RPC 2.0 framing as MCP uses it: error codes, envelope validation, response builders.
// Internal to bastion::mcp (transports use dispatcher.h).

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace bastion::mcp::rpc {

// JSON-RPC 2.0 and MCP error codes.
inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;
inline constexpr int kInternalError = -32603;
inline constexpr int kResourceNotFoundLegacy = -32002;      // 2025-11-25 and earlier only
inline constexpr int kHeaderMismatch = -32020;              // 2026-07-28
inline constexpr int kMissingClientCapability = -32021;     // 2026-07-28
inline constexpr int kUnsupportedProtocolVersion = -32022;  // 2026-07-28

enum class MessageKind { Request, Notification, Response, Invalid };

// A validated view of one message. Pointers refer into the message it was made from.
struct Envelope {
  MessageKind kind = MessageKind::Invalid;
  const boost::json::value* id = nullptr;       // requests and responses
  std::string_view method;                      // requests and notifications
  const boost::json::object* params = nullptr;  // null when absent
  int error_code = 0;                           // when Invalid: -32600 or -32602
  std::string_view error_message;
};

// Checks `jsonrpc`, `id` (string or integer; never null or fractional), `method` and `params`
// (an object when present). Does not check that the method exists.
Envelope inspect(const boost::json::value& message);

// A stable string for a request id (distinguishes "1" from 1), for cancellation bookkeeping.
std::string idKey(const boost::json::value& id);

boost::json::value result(const boost::json::value& id, boost::json::object result);
// `id` may be null (the id could not be read).
boost::json::value error(const boost::json::value* id, int code, std::string_view message,
                         std::optional<boost::json::value> data = std::nullopt);
boost::json::value notification(std::string_view method, boost::json::object params);

}  // namespace bastion::mcp::rpc
