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
// be touched. FSIZE: limits.file_bytes. NOFILE: limits.open_files. CORE: 0.
// NPROC: `nproc` when non-zero. Set only for a run in its own user namespace (not root), where
// the kernel counts processes per (user namespace, uid), so the limit covers exactly this
// sandbox; in the initial namespace it would count every process of the uid on the host (and
// does nothing for root), so there cgroup pids does this job.
std::vector<RlimitSetting> planRlimits(const Limits& limits, bool cgroup_memory,
                                       rlim_t nproc = 0);

// Child side, async-signal-safe. Returns 0 or the errno of the first failure.
int applyRlimits(const std::vector<RlimitSetting>& settings) noexcept;

}  // namespace bastion::sandbox
