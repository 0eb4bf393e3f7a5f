#pragma once
// The sandbox's file system as a list of primitive operations, planned in the parent (where
// allocation, stat and readlink are allowed) and replayed by the child with one system call each
// (async-signal-safe). The plan, in order:
//   1. every mount private (nothing propagates back to the host);
//   2. a small tmpfs mounted on the host's /tmp (only in our mount namespace) becomes the new
//      root by pivot_root; the old root stays reachable at /.old-root while binding;
//   3. /tmp: a tmpfs of limits.tmp_bytes (nosuid, nodev), the working directory;
//   4. /proc: a fresh procfs of the new pid namespace, hidepid=ptraceable (must precede step 7: the kernel only lets
//      a user namespace mount procfs while a full procfs is visible in its mount namespace);
//   5. /dev: a read-only tmpfs holding binds of the host's null, zero and urandom (device nodes
//      cannot be created in a user namespace) and the /dev/fd, stdin, stdout, stderr symlinks;
//   6. each read-only path: its parent directories, a mount point, a bind, then a read-only
//      remount (nosuid, nodev; the host mount's noexec/atime flags kept, which a user namespace
//      may not clear); a symlink is recreated rather than bound;
//   7. the old root detached (MNT_DETACH) and removed; the new root remounted read-only;
//   8. chdir to the command's working directory.

#include <string>
#include <vector>

#include "core/error.h"
#include "sandbox/sandbox.h"
#include "sandbox/setup_report.h"

namespace bastion::sandbox {

struct MountOp {
  enum class Kind { Mount, MakeDir, MakeFile, Symlink, PivotRoot, Unmount, RemoveDir, Chdir };
  Kind kind = Kind::Mount;
  SetupStep step = SetupStep::MountRoot;  // reported when the operation fails
  std::string source;       // Mount: source; Symlink: link target; PivotRoot: new root
  std::string target;       // the path operated on; PivotRoot: where the old root goes
  std::string fstype;       // Mount only
  unsigned long flags = 0;  // Mount: MS_*; Unmount: MNT_*
  std::string data;         // Mount only: filesystem options
};

struct MountPlan {
  std::vector<MountOp> ops;
  // The bound paths that are not symlinks, as seen inside (for Landlock).
  std::vector<std::string> read_exec_paths;
};

// `read_only_paths` comes from effectiveReadOnlyPaths() (already checked). Fails when a path
// vanished or cannot be examined since it was checked.
[[nodiscard]] Result<MountPlan> planMounts(const std::vector<std::string>& read_only_paths,
                                           const Limits& limits, const std::string& cwd);

// Child side, async-signal-safe: performs one operation. Returns 0 or the errno.
int applyMountOp(const MountOp& op) noexcept;

}  // namespace bastion::sandbox
