#pragma once
// The steps every tools/call passes between era handling and the tool itself, in order:
//   authorize -> rate limit -> validate (tools_methods.cc) -> execute -> guard -> audit.
// Each is a small function here so that the layers that own them plug in at one place and no
// route can skip them.

#include <chrono>
#include <string_view>

#include "auth/principal.h"
#include "mcp/types.h"
#include "policy/scope_policy.h"

namespace bastion::mcp::pipeline {

// Authorization: the principal must hold every scope the tool requires, directly or through
// `policy`'s implications (null: literally). Tools it fails are not listed; calling one is
// refused with insufficient_scope naming every scope the tool requires. The same check for
// every transport, route and protocol version.
bool authorized(const policy::ScopePolicy* policy, const auth::Principal& principal,
                const ToolSpec& tool);

// Rate limiting belongs to the policy layer (GCRA per principal, tool and client, memory or
// Redis backend). This core build links no limiter, so every call is admitted here; the policy
// layer replaces this function's body and returns false to refuse.
bool admitted(const auth::Principal& principal, const ToolSpec& tool);

// Guard: the guard layer redacts registered secret values and caps output size here. The core
// build registers no secrets, so results pass unchanged.
void guard(const ToolSpec& tool, ToolResult& result);

enum class CallOutcome {
  Ok,
  ToolError,
  InvalidArguments,
  Refused,
  Failed,
  Cancelled,
  InputRequired
};

// Audit: the audit layer records who called what (names and digests, never content), the
// outcome and the latency here. The core build has no audit sink attached.
void audit(const auth::Principal& principal, std::string_view tool, CallOutcome outcome,
           std::chrono::steady_clock::duration latency);

}  // namespace bastion::mcp::pipeline
