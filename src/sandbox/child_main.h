#pragma once
// The sandbox's pid 1: everything it needs is prepared by the parent in a ChildPlan before clone;
// childMain() then runs a fixed, linear pipeline of async-signal-safe steps:
//
//   stdio -> close every other fd -> die with the parent -> wait for the parent's "go" (it has
//   written the id maps and added us to the cgroup) -> not dumpable -> cgroup namespace ->
//   mount plan (private mounts, tmpfs root,
//   pivot_root, /tmp, /proc, /dev, read-only binds, old root detached, chdir) -> hostname ->
//   bounding set -> identity (nobody) -> capabilities -> parent-death signal again (the identity
//   switch cleared it) -> no-new-privs -> Landlock -> seccomp
//   (last: it would refuse the mount steps) -> fork; the command's process sets the rlimits
//   (pid 1, a copy of the server, is not held to the command's address-space limit), closes
//   everything but stdio and execs.
//
// Why a fork: the kernel shields a pid namespace's init from signals it has no handler for when
// they come from inside, including SIGXCPU/SIGKILL from RLIMIT_CPU, SIGXFSZ and a command
// killing itself. So pid 1 stays a tiny, fully sandboxed reaper: the command runs as pid 2 with
// ordinary signal semantics, pid 1 reaps every orphan, reports the command's wait status and CPU
// time, and exits as soon as the command does, which makes the kernel kill whatever the command
// left behind. The parent's timeout kills pid 1, which kills the whole namespace.
//
// Any failure is written to the report pipe as {step, errno} and the child exits; execve's
// failure is reported by the command's process the same way.

#include <vector>

#include "sandbox/landlock.h"
#include "sandbox/mount_plan.h"
#include "sandbox/rlimits.h"
#include "sandbox/seccomp_filter.h"

namespace bastion::sandbox {

struct ChildPlan {
  // Descriptors as numbered in the parent (the clone inherits them). -1 leaves stdio alone.
  int stdin_fd = -1;
  int stdout_fd = -1;
  int stderr_fd = -1;
  int start_fd = -1;   // read end of the start pipe; -1: no waiting (the probe)
  int report_fd = -1;  // write end of the report pipe (close-on-exec)
  // unshare(CLONE_NEWCGROUP) after "go": the parent has moved the child into the run's cgroup
  // by then, so the namespace's root is that group and the command sees "/" (a clone-time
  // namespace would be rooted at the server's group and show the run's group name).
  bool cgroup_namespace = false;
  std::vector<MountOp> mounts;
  const char* hostname = nullptr;  // nullptr: unchanged
  std::vector<RlimitSetting> rlimits;
  bool drop_privileges = false;  // bounding set, identity switch, capabilities
  bool clear_groups = false;     // as root: setgroups({}) (denied in a user namespace)
  bool no_new_privs = false;
  const LandlockPlan* landlock = nullptr;   // nullptr: not applied
  const SeccompProgram* seccomp = nullptr;  // nullptr: not installed
  // Null-terminated, pointing into strings the parent keeps alive. Empty argv: stop after the
  // last step with exit code 0 (the probe tries layers this way).
  std::vector<char*> argv;
  std::vector<char*> envp;
};

// Exit code of a child whose setup failed (the report says where).
inline constexpr int kSetupFailedExit = 127;

// ChildProcess::ChildMain for a ChildPlan.
int childMain(void* plan) noexcept;

}  // namespace bastion::sandbox
