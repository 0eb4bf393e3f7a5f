#include "mcp/pipeline.h"

#include <algorithm>

namespace bastion::mcp::pipeline {

bool authorized(const policy::ScopePolicy* policy, const auth::Principal& principal,
                const ToolSpec& tool) {
  if (policy != nullptr) {
    return policy->allows(principal, tool.scopes);
  }
  return std::all_of(tool.scopes.begin(), tool.scopes.end(), [&](const std::string& scope) {
    return std::find(principal.scopes.begin(), principal.scopes.end(), scope) !=
           principal.scopes.end();
  });
}

bool admitted(const auth::Principal& /*principal*/, const ToolSpec& /*tool*/) { return true; }

void guard(const ToolSpec& /*tool*/, ToolResult& /*result*/) {}

void audit(const auth::Principal& /*principal*/, std::string_view /*tool*/, CallOutcome /*outcome*/,
           std::chrono::steady_clock::duration /*latency*/) {}

}  // namespace bastion::mcp::pipeline
