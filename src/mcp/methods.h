#pragma once
// The MCP methods both eras share (internal to bastion::mcp). Each returns the method's result
// object, or an RpcError the era layer turns into a JSON-RPC error (or, for the outcome codes
// below, into an input_required result, a -32021 error, or no response at all).

#include <boost/json/object.hpp>
#include <boost/system/result.hpp>
#include <optional>
#include <string>
#include <vector>

#include "mcp/call_context.h"
#include "mcp/dispatcher.h"
#include "mcp/registry.h"

namespace bastion::mcp {

struct RpcError {
  int code = 0;
  std::string message;
  std::optional<boost::json::value> data;
  int http_status = 200;
};

// Outcome codes: positive, so they can never be mistaken for a JSON-RPC code on the wire.
inline constexpr int kOutcomeInputRequired = 1;      // modern: answer resultType input_required
inline constexpr int kOutcomeCancelled = 2;          // answer nothing
inline constexpr int kOutcomeMissingCapability = 3;  // modern: -32021

// The caller lacks scopes a tool requires. data.requiredScopes lists every scope the tool
// requires; the era layers copy it to DispatchResult::insufficient_scope (HTTP: a 403 challenge).
inline constexpr int kInsufficientScope = -32003;
RpcError insufficientScope(const std::vector<std::string>& required);
// The required scopes of a kInsufficientScope error; empty for any other error.
std::vector<std::string> requiredScopesOf(const RpcError& e);

using MethodResult = boost::system::result<boost::json::object, RpcError>;
[[noreturn]] void throw_exception_from_error(const RpcError& e, const boost::source_location& loc);

struct MethodCall {
  const Registry& registry;
  Era era;
  const boost::json::object& params;  // an empty object when the request had none
  RequestContext& ctx;
  const DispatcherOptions& options;
  const boost::json::value* id = nullptr;  // the JSON-RPC request id (audit's request_id)
};

RpcError invalidParams(std::string message);
// Maps a handler's Error to an outcome when it is one of the protocol-level HandlerErrors.
std::optional<RpcError> handlerOutcome(const Error& e);

MethodResult toolsList(const MethodCall& call);
MethodResult toolsCall(const MethodCall& call);
MethodResult resourcesList(const MethodCall& call);
MethodResult resourceTemplatesList(const MethodCall& call);
MethodResult resourcesRead(const MethodCall& call);
MethodResult promptsList(const MethodCall& call);
MethodResult promptsGet(const MethodCall& call);
MethodResult completionComplete(const MethodCall& call);

// One page of a list: [begin, end) and the cursor for the next page, if any.
struct Page {
  std::size_t begin = 0;
  std::size_t end = 0;
  std::optional<std::string> next_cursor;
};
// Cursors are opaque to clients (base64url of the list kind and an offset) and validated:
// a cursor for another list, past the end, or not ours is -32602.
// Returns the error, or nullopt with `page` filled (an out-parameter rather than a result<>
// keeps release builds free of false -Wnull-dereference reports).
std::optional<RpcError> paginate(std::string_view kind, std::size_t total,
                                 const boost::json::object& params, std::size_t page_size,
                                 Page& page);

}  // namespace bastion::mcp
