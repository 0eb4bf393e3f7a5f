#pragma once
// Resource limits for the sandboxed command: CPU seconds, address space, file size, open files,
// and no core dumps. Planned in the parent (never above the limits it already has), applied by
// the sandbox's pid 1 and inherited by the command.

#include <sys/resource.h>

#include <vector>

#include "sandbox/sandbox.h"

namespace bastion::sandbox {

struct RlimitSetting {
  int resource = 0;  // RLIMIT_*
  rlimit value{};
};

// CPU: limits.cpu rounded up to whole seconds (soft; SIGXCPU), hard one second later (SIGKILL).
// AS: limits.memory_bytes, doubled when `cgroup_memory` enforces the real (resident) limit, so
// the cgroup fires first and the address-space limit only stops reservations that would never
// be touched. FSIZE: limits.file_bytes. NOFILE: limits.open_files. CORE: 0. RLIMIT_NPROC is not
// used: it counts per user across the host and does nothing for root (cgroup pids does this).
std::vector<RlimitSetting> planRlimits(const Limits& limits, bool cgroup_memory);

// Child side, async-signal-safe. Returns 0 or the errno of the first failure.
int applyRlimits(const std::vector<RlimitSetting>& settings) noexcept;

}  // namespace bastion::sandbox
