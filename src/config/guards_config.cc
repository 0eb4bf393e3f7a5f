// [ratelimit], [audit] and [guard]: the guards around every tool call.

#include <algorithm>
#include <array>

#include "config/config_internal.h"

namespace bastion::config::detail {

void readRateLimit(const toml::table& table, Diagnostics& diags, RateLimitConfig& out) {
  TableReader r(table, "ratelimit", diags);
  if (r.readString("backend", out.backend) && out.backend != "memory") {
    // Redis arrives in a later release; refusing beats silently limiting per process.
    r.error(*table.get("backend"), "backend", "only \"memory\" is supported in this release");
  }
  // Without `burst`, a whole period's worth of calls may come at once (see tools_config.cc).
  std::uint64_t burst = 0;
  const bool has_burst = table.contains("burst");
  r.readInteger("burst", burst, 0, 1'000'000);
  std::string per_client;
  if (r.readString("per_client", per_client)) {
    auto rate = policy::parseRate(per_client, 0);
    if (!rate) {
      r.error(*table.get("per_client"), "per_client", rate.error().message);
    } else {
      policy::Rate value = rate.value();
      value.burst = has_burst ? burst : value.count - 1;
      out.per_client = value;
    }
  }
  r.readInteger("max_keys", out.max_keys, 1, 100'000'000);
  r.readStrings("trusted_proxies", out.trusted_proxies);
  r.finish();
}

void readAudit(const toml::table& table, Diagnostics& diags, AuditConfig& out) {
  TableReader r(table, "audit", diags);
  r.readString("path", out.path);
  if (r.readString("fsync", out.fsync)) {
    constexpr std::array<std::string_view, 3> kModes{"always", "batch", "never"};
    if (std::find(kModes.begin(), kModes.end(), out.fsync) == kModes.end()) {
      r.error(*table.get("fsync"), "fsync", "expected \"always\", \"batch\" or \"never\"");
    }
  }
  r.readInteger("checkpoint_every", out.checkpoint_every, 1, 100'000'000);
  r.readString("key", out.key);
  r.finish();
}

void readGuard(const toml::table& table, Diagnostics& diags, GuardConfig& out) {
  TableReader r(table, "guard", diags);
  r.readBool("redact_shapes", out.redact_shapes);
  r.readSize("max_output", out.max_output);
  r.finish();
}

}  // namespace bastion::config::detail
