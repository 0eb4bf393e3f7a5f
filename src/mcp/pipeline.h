#pragma once
// The steps every tools/call passes between era handling and the tool itself, in order:
//   authorize -> rate limit -> validate (tools_methods.cc) -> execute -> guard -> audit.
// Each is a small function here so that the layers that own them (policy, guard, audit) plug in
// at one place and no route can skip them. Each guard is configured in DispatcherOptions; a
// null guard is off.

#include <boost/json/object.hpp>
#include <chrono>
#include <string_view>

#include "auth/principal.h"
#include "mcp/dispatcher.h"
#include "mcp/types.h"
#include "policy/rate_limit.h"
#include "policy/scope_policy.h"

namespace bastion::mcp::pipeline {

// Authorization: the principal must hold every scope the tool requires, directly or through
// `policy`'s implications (null: literally). Tools it fails are not listed; calling one is
// refused with insufficient_scope naming every scope the tool requires. The same check for
// every transport, route and protocol version.
bool authorized(const policy::ScopePolicy* policy, const auth::Principal& principal,
                const ToolSpec& tool);

// Rate limiting: every applicable rule of options.rate_limits must admit the call.
policy::Decision admitted(const DispatcherOptions& options, const auth::Principal& principal,
                          const ToolSpec& tool);
// The tool execution error a refused call gets: "Rate limit exceeded; retry in N s".
ToolResult rateLimited(const policy::Decision& decision);

// Guard: removes registered secret values (and their encodings) and credential shapes from
// everything the result carries (content, structuredContent, error text), then replaces a
// result larger than options.max_output bytes with a tool execution error.
void guard(const DispatcherOptions& options, ToolResult& result);

enum class CallOutcome {
  Ok,
  ToolError,
  InvalidArguments,
  UnknownTool,
  RefusedScope,
  RefusedRate,
  Failed,
  Cancelled,
  InputRequired
};
std::string_view outcomeName(CallOutcome outcome);  // "ok", "tool_error", ...

// Audit: one record per call, allowed or denied: who, which tool, the request id, a digest of
// the arguments plus the tool's identifier fields, the outcome and the latency.
struct CallFacts {
  const auth::Principal& principal;
  std::string_view tool;
  const ToolSpec* spec = nullptr;                  // null for an unknown tool
  const boost::json::object* arguments = nullptr;  // null when not an object
  const boost::json::value* request_id = nullptr;
};
void audit(const DispatcherOptions& options, const CallFacts& facts, CallOutcome outcome,
           std::chrono::steady_clock::duration latency);

}  // namespace bastion::mcp::pipeline
