#pragma once
// What `bastion serve` builds from the configuration before it serves: the tools (demo set and
// every [[tools]] entry), and the guards the tool-call pipeline runs them through (rate limits,
// the secrets redactor, the audit log). Secrets are resolved here, at start: every ${env:NAME}
// the file references must be set, or the server refuses to start naming the variable.

#include <memory>

#include "config/config.h"
#include "core/error.h"
#include "mcp/dispatcher.h"
#include "mcp/server.h"

namespace bastion::cli {

struct GuardedTools {
  std::shared_ptr<const mcp::Server> server;
  mcp::DispatcherOptions options;  // rate_limits, redactor, audit and max_output filled
};

// Errors name the tool ("tools[2] (read_file): ...") or the variable. An audit log that cannot
// be written later aborts the process (fail closed: no call goes on unaudited).
[[nodiscard]] Result<GuardedTools> buildGuardedTools(const config::Config& config);

}  // namespace bastion::cli
