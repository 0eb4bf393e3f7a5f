#pragma once
// Landlock for the sandbox: after pivot_root the child allows itself only what its mounts
// already allow (read and execute below the read-only binds, read/write below /tmp, read/write
// of /dev/null, /dev/zero, /dev/urandom, read of /proc) so that a mistake in the mount steps
// is not an escape. Debian 12's headers stop at ABI 2; the constants of newer ABIs (up to 7)
// are defined in landlock.cc. Every right the running kernel's ABI knows is handled (denied
// unless granted), including network (ABI 4: no TCP bind/connect) and scoping (ABI 6: no
// abstract unix sockets or signals outside the sandbox).

#include <string>
#include <vector>

#include "core/error.h"

namespace bastion::sandbox {

// The kernel's Landlock ABI version, or 0 when Landlock is unavailable.
int landlockAbi() noexcept;

// Prepared in the parent: paths as they appear INSIDE the sandbox after pivot_root.
struct LandlockPlan {
  int abi = 0;
  std::vector<std::string> read_exec_paths;   // the read-only binds
  std::vector<std::string> read_write_paths;  // "/tmp"
  std::vector<std::string> device_paths;      // "/dev/null", "/dev/zero", "/dev/urandom"
  std::vector<std::string> read_paths;        // "/proc"
};

// Fails with LayerUnavailable when the kernel has no Landlock, InvalidCommand for a path that
// is not absolute. Does not check that the paths exist (that is the child's view).
[[nodiscard]] Result<LandlockPlan> planLandlock(std::vector<std::string> read_exec_paths);

// Child side, async-signal-safe (open, fstat, landlock syscalls, close only): builds the
// ruleset and restricts the calling thread. PR_SET_NO_NEW_PRIVS must already be set. A listed
// path missing inside the sandbox is skipped. Returns 0 or errno (ENOSYS for a plan without ABI).
int applyLandlock(const LandlockPlan& plan) noexcept;

}  // namespace bastion::sandbox
