#pragma once
// Starting a sandboxed child: the start and report pipes, clone into the namespaces (plus a user
// namespace when not root), the uid/gid maps written by the parent, a hook for the parent's work
// before the child may go on (adding it to the cgroup), then "go". Shared by the launcher and the
// probe so that the probe tries exactly what a run does.

#include <linux/sched.h>
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <vector>

#include "core/error.h"
#include "core/unique_fd.h"
#include "sandbox/child_main.h"
#include "sandbox/child_process.h"
#include "sandbox/setup_report.h"

namespace bastion::sandbox {

// The namespaces every run is cloned into (CLONE_NEWUSER is added by spawnSandbox when not root;
// the cgroup namespace is made by the child itself, see ChildPlan::cgroup_namespace).
inline constexpr std::uint64_t kSandboxNamespaces =
    CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS;

struct SandboxChild {
  ChildProcess process;
  UniqueFd reports;  // read end of the report pipe
  // Write end of the start pipe, held open while the child lives: end of file on it tells the
  // child its parent is gone (see child_main.cc, after the identity switch).
  UniqueFd start;
};

struct Pipe {
  UniqueFd read;
  UniqueFd write;
};

// pipe2(O_CLOEXEC) with both ends numbered above 2, so that the child's dup2 onto 0, 1 and 2
// never overwrites a descriptor it still has to move (a server may run with a stdio stream
// closed).
[[nodiscard]] Result<Pipe> makePipe();

// True when the launcher runs as root (then no user namespace is needed or made).
bool runningAsRoot();

// Fills plan.start_fd / plan.report_fd, clones with `clone_flags`, and lets the child start once
// `before_go` (may be empty) succeeded. On failure the child is killed and reaped.
[[nodiscard]] Result<SandboxChild> spawnSandbox(
    ChildPlan& plan, std::uint64_t clone_flags,
    const std::function<Result<void>(pid_t)>& before_go);

// Every report the child wrote, read until end of file (call once the child was reaped: then no
// writer is left).
std::vector<ChildReport> readReports(int fd);

}  // namespace bastion::sandbox
