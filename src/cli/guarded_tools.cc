#include "cli/guarded_tools.h"

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <filesystem>
#include <type_traits>
#include <variant>

#include "audit/audit_log.h"
#include "cli/commands.h"
#include "cli/log.h"
#include "guard/secrets.h"
#include "policy/rate_limit.h"
#include "sandbox/sandbox.h"
#include "tools/demo.h"
#include "tools/exec.h"
#include "tools/files.h"
#include "tools/http.h"
#include "tools/sql.h"

namespace bastion::cli {
namespace {

// The audit log can no longer be written (disk full, I/O error): no call may run unrecorded,
// so the server stops at once, with a clear message and its own exit status. Not abort(): that
// would dump core, and a core file holds the process's secrets (API keys, signing keys).
[[noreturn]] void stopUnaudited(const Error& e) {
  spdlog::critical("{}; stopping: no call may run without its audit record", e.message);
  spdlog::default_logger()->flush();
  std::_Exit(kExitAuditFailed);
}

// Every referenced variable, checked before anything is built, so one start reports them all.
Result<void> checkEnvironment(const config::Config& c, const guard::EnvLookup& env) {
  std::string missing;
  for (const auto& [name, where] : c.env_references) {
    auto value = env(name);
    if (!value || value->empty()) {
      missing += missing.empty() ? "" : "; ";
      missing += "environment variable " + name + " is not set (" + c.source + ":" +
                 std::to_string(where.line) + ")";
    }
  }
  if (!missing.empty()) {
    return Error(1, missing);
  }
  return {};
}

// The one launcher every exec tool shares, created with the first exec tool (a server without
// exec tools never probes the host).
class LauncherOnce {
 public:
  Result<std::shared_ptr<sandbox::Launcher>> get() {
    if (!launcher_) {
      auto created = sandbox::Launcher::create();
      if (!created) {
        return Error(created.error().code, "sandbox: " + created.error().message);
      }
      launcher_ = std::move(created).value();
    }
    return launcher_;
  }

 private:
  std::shared_ptr<sandbox::Launcher> launcher_;
};

// No silent downgrade: every layer the tool requires must work on this host, or the server
// does not start (the launcher checks again on every run).
Result<mcp::ToolSpec> makeExecTool(const config::ToolConfig& t,
                                   const tools::ExecToolOptions& options, LauncherOnce& launcher) {
  if (auto ok = sandbox::checkPolicy(tools::execPolicy(options)); !ok) {
    return Error(ok.error().code, "sandbox: " + ok.error().message);
  }
  auto l = launcher.get();
  if (!l) {
    return l.error();
  }
  return tools::makeExecTool(t.identity, options, std::move(l).value());
}

Result<mcp::ToolSpec> makeTool(const config::ToolConfig& t, guard::Secrets& secrets,
                               const std::shared_ptr<tools::Databases>& databases,
                               LauncherOnce& launcher) {
  return std::visit(
      [&](const auto& options) -> Result<mcp::ToolSpec> {
        using T = std::decay_t<decltype(options)>;
        if constexpr (std::is_same_v<T, tools::FilesToolOptions>) {
          return tools::makeFilesTool(t.identity, options);
        } else if constexpr (std::is_same_v<T, tools::SqlToolOptions>) {
          return tools::makeSqlTool(t.identity, options, databases);
        } else if constexpr (std::is_same_v<T, tools::HttpToolOptions>) {
          return tools::makeHttpTool(t.identity, options, secrets);
        } else {
          return makeExecTool(t, options, launcher);
        }
      },
      t.options);
}

std::shared_ptr<const policy::RateLimits> rateLimits(const config::Config& c) {
  policy::RateLimitRules rules;
  rules.per_client = c.ratelimit.per_client;
  for (const auto& t : c.tools) {
    if (t.rate) {
      rules.per_principal_tool.emplace(t.identity.name, *t.rate);
    }
    if (t.tool_rate) {
      rules.per_tool.emplace(t.identity.name, *t.tool_rate);
    }
  }
  auto limits = std::make_shared<const policy::RateLimits>(
      std::move(rules), policy::makeMemoryRateBackend(c.ratelimit.max_keys), systemClock());
  return limits->empty() ? nullptr : limits;
}

audit::Fsync fsyncMode(std::string_view name) {
  if (name == "always") {
    return audit::Fsync::Always;
  }
  return name == "never" ? audit::Fsync::Never : audit::Fsync::Batch;
}

}  // namespace

Result<GuardedTools> buildGuardedTools(const config::Config& c) {
  guard::Secrets secrets;
  if (auto ok = checkEnvironment(c, guard::processEnvironment()); !ok) {
    return ok.error();
  }
  // Secrets obtained elsewhere are redacted too.
  if (!c.auth.introspection.client_secret.empty()) {
    if (auto added = secrets.add(c.auth.introspection.client_secret); !added) {
      return Error(added.error().code,
                   "auth.introspection.client_secret_env: " + added.error().message);
    }
  }
  std::shared_ptr<tools::Databases> databases;
  if (!c.databases.empty()) {
    auto opened = tools::openDatabases(c.databases, secrets);
    if (!opened) {
      return opened.error();
    }
    databases = std::move(opened).value();
  }
  auto server = std::make_shared<mcp::Server>(mcp::ServerInfo{
      .name = "bastion", .version = BASTION_VERSION, .title = "Bastion", .instructions = {}});
  if (c.demo.tools) {
    tools::DemoOptions demo;
    demo.scopes = c.demo.scopes;
    if (auto r = tools::addDemo(*server, demo); !r) {
      return r.error();
    }
  }
  LauncherOnce launcher;
  for (std::size_t i = 0; i < c.tools.size(); ++i) {
    const config::ToolConfig& t = c.tools[i];
    const std::string where = "tools[" + std::to_string(i) + "] (" + t.identity.name + "): ";
    auto spec = makeTool(t, secrets, databases, launcher);
    if (!spec) {
      return Error(spec.error().code, where + spec.error().message);
    }
    if (auto added = server->addTool(std::move(spec).value()); !added) {
      return Error(added.error().code, where + added.error().message);
    }
  }
  GuardedTools out;
  out.server = std::move(server);
  out.options.rate_limits = rateLimits(c);
  out.options.redactor = secrets.redactor({.shapes = c.guard.redact_shapes});
  out.options.max_output = c.guard.max_output;
  setLogRedactor(out.options.redactor);
  if (!c.audit.path.empty()) {
    audit::AuditOptions a;
    a.path = c.audit.path;
    a.fsync = fsyncMode(c.audit.fsync);
    a.checkpoint_every = c.audit.checkpoint_every;
    a.key_path = c.audit.key.empty() ? c.audit.path + ".key" : c.audit.key;
    a.on_failure = stopUnaudited;
    // Its directory is created private, as the store's is.
    const std::filesystem::path dir = std::filesystem::path(a.path).parent_path();
    std::error_code ec;
    if (!dir.empty() && !std::filesystem::exists(dir, ec)) {
      std::filesystem::create_directories(dir, ec);
      std::filesystem::permissions(dir, std::filesystem::perms::owner_all, ec);
    }
    auto log = audit::openAuditLog(a, systemClock());
    if (!log) {
      return Error(log.error().code, "audit.path: " + log.error().message);
    }
    out.options.audit = std::move(log).value();
  }
  return out;
}

}  // namespace bastion::cli
