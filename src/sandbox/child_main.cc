// The sandbox's pid 1: the child pipeline (async-signal-safe from first to last line).
#include "sandbox/child_main.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>

#include "sandbox/child_process.h"
#include "sandbox/privileges.h"
#include "sandbox/setup_report.h"

namespace bastion::sandbox {
namespace {

constexpr std::int64_t kMicrosPerSecond = 1'000'000;

int fail(const ChildPlan& plan, SetupStep step, int err, std::int64_t detail = 0) noexcept {
  writeReport(plan.report_fd, step, err, detail);
  return kSetupFailedExit;
}

int moveTo(int fd, int target) noexcept {
  if (fd < 0) {
    return 0;
  }
  if (fd == target) {  // dup2 onto itself keeps close-on-exec; clear it
    return fcntl(fd, F_SETFD, 0) == 0 ? 0 : errno;
  }
  return dup2(fd, target) == target ? 0 : errno;
}

int setupStdio(const ChildPlan& plan) noexcept {
  if (int err = moveTo(plan.stdin_fd, STDIN_FILENO)) {
    return err;
  }
  if (int err = moveTo(plan.stdout_fd, STDOUT_FILENO)) {
    return err;
  }
  return moveTo(plan.stderr_fd, STDERR_FILENO);
}

// Closes every descriptor but those in `keep` (unsorted, -1 entries ignored).
template <std::size_t N>
int closeAllExcept(std::array<int, N> keep) noexcept {
  std::sort(keep.begin(), keep.end());
  unsigned int next = 0;
  for (int fd : keep) {
    if (fd < 0 || static_cast<unsigned int>(fd) < next) {
      continue;
    }
    if (static_cast<unsigned int>(fd) > next &&
        close_range(next, static_cast<unsigned int>(fd) - 1, 0) != 0) {
      return errno;
    }
    next = static_cast<unsigned int>(fd) + 1;
  }
  return close_range(next, ~0U, 0) == 0 ? 0 : errno;
}

// One byte from the parent means "go"; end of file means it gave up (ECANCELED).
int waitForGo(const ChildPlan& plan) noexcept {
  if (plan.start_fd < 0) {
    return 0;
  }
  char go = 0;
  ssize_t n = 0;
  do {
    n = read(plan.start_fd, &go, 1);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    return errno;
  }
  return n == 1 ? 0 : ECANCELED;
}

// A change of effective uid (the identity switch, as root) clears the parent-death signal, so
// it is set again afterwards; the parent may have died in between, which the start pipe tells
// (the parent holds its write end open for the whole run: end of file = gone).
int rearmParentDeathSignal(const ChildPlan& plan) noexcept {
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) {
    return errno;
  }
  if (plan.start_fd < 0) {
    return 0;
  }
  pollfd start{plan.start_fd, POLLIN, 0};
  int ready = poll(&start, 1, 0);
  close(plan.start_fd);  // the child's own copy; no UniqueFd survives into the clone
  return ready == 0 ? 0 : ECANCELED;
}

int applyMounts(const ChildPlan& plan) noexcept {
  for (std::size_t i = 0; i < plan.mounts.size(); ++i) {
    if (int err = applyMountOp(plan.mounts[i])) {
      return fail(plan, plan.mounts[i].step, err, static_cast<std::int64_t>(i));
    }
  }
  return 0;
}

int setHostname(const ChildPlan& plan) noexcept {
  if (plan.hostname == nullptr) {
    return 0;
  }
  return sethostname(plan.hostname, std::strlen(plan.hostname)) == 0 ? 0 : errno;
}

// Steps from the hostname to seccomp, in order; the first failure is reported.
int restrictSelf(const ChildPlan& plan) noexcept {
  if (int err = setHostname(plan)) {
    return fail(plan, SetupStep::Hostname, err);
  }
  if (plan.drop_privileges) {
    if (int err = dropBoundingSet()) {
      return fail(plan, SetupStep::DropBoundingSet, err);
    }
    if (int err = switchIdentity(plan.clear_groups)) {
      return fail(plan, SetupStep::SwitchIdentity, err);
    }
    if (int err = dropCapabilities()) {
      return fail(plan, SetupStep::DropCapabilities, err);
    }
  }
  if (int err = rearmParentDeathSignal(plan)) {
    return fail(plan, SetupStep::ParentDeathSignal, err);
  }
  if (plan.no_new_privs) {
    if (int err = setNoNewPrivs()) {
      return fail(plan, SetupStep::NoNewPrivs, err);
    }
  }
  if (plan.landlock != nullptr) {
    if (int err = applyLandlock(*plan.landlock)) {
      return fail(plan, SetupStep::Landlock, err);
    }
  }
  if (plan.seccomp != nullptr) {
    if (int err = installSeccomp(*plan.seccomp)) {
      return fail(plan, SetupStep::Seccomp, err);
    }
  }
  return 0;
}

// The command's process (pid 2). The rlimits are set here, not in pid 1: pid 1 is a copy of
// the server, whose address space may already exceed the limit (and a sanitizer runtime in it
// still maps memory).
[[noreturn]] void execCommand(const ChildPlan& plan) noexcept {
  if (int err = applyRlimits(plan.rlimits)) {
    writeReport(plan.report_fd, SetupStep::Rlimits, err);
    exitChild(kSetupFailedExit);
  }
  if (int err = closeAllExcept(std::array<int, 4>{0, 1, 2, plan.report_fd})) {
    writeReport(plan.report_fd, SetupStep::CloseFds, err);
    exitChild(kSetupFailedExit);
  }
  execve(plan.argv[0], plan.argv.data(), plan.envp.data());
  writeReport(plan.report_fd, SetupStep::Exec, errno);
  exitChild(kSetupFailedExit);
}

// pid 1 after the fork: reap everything until the command itself ends, then report it.
int reapUntil(const ChildPlan& plan, pid_t command) noexcept {
  closeAllExcept(std::array<int, 1>{plan.report_fd});
  for (;;) {
    int status = 0;
    rusage usage{};
    pid_t pid = wait4(-1, &status, __WALL, &usage);
    if (pid < 0 && errno == EINTR) {
      continue;
    }
    if (pid < 0) {
      return fail(plan, SetupStep::Fork, errno);  // ECHILD: cannot happen while the command runs
    }
    if (pid == command) {
      std::int64_t cpu_us = (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * kMicrosPerSecond +
                            usage.ru_utime.tv_usec + usage.ru_stime.tv_usec;
      writeReport(plan.report_fd, SetupStep::CommandEnded, status, cpu_us);
      return 0;
    }
  }
}

}  // namespace

int childMain(void* context) noexcept {
  const ChildPlan& plan = *static_cast<const ChildPlan*>(context);
  if (int err = setupStdio(plan)) {
    return fail(plan, SetupStep::Stdio, err);
  }
  if (int err = closeAllExcept(std::array<int, 5>{0, 1, 2, plan.start_fd, plan.report_fd})) {
    return fail(plan, SetupStep::CloseFds, err);
  }
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) {
    return fail(plan, SetupStep::ParentDeathSignal, errno);
  }
  if (int err = waitForGo(plan)) {
    return fail(plan, SetupStep::WaitForGo, err);
  }
  // pid 1 is a copy of the server: its memory, environment and descriptors table must not be
  // readable by the command (same uid). Non-dumpable, /proc/1/{mem,environ,maps,fd} need
  // CAP_SYS_PTRACE, and /proc (hidepid=ptraceable) does not even list pid 1. Only after "go":
  // the parent writes our uid_map through /proc first. exec makes the command dumpable again.
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
    return fail(plan, SetupStep::NotDumpable, errno);
  }
  if (plan.cgroup_namespace && unshare(CLONE_NEWCGROUP) != 0) {
    return fail(plan, SetupStep::CgroupNamespace, errno);
  }
  if (int rc = applyMounts(plan)) {
    return rc;
  }
  if (int rc = restrictSelf(plan)) {
    return rc;
  }
  if (plan.argv.empty()) {
    // The probe: no command, but the rlimits are tried as the command's process would.
    int err = applyRlimits(plan.rlimits);
    return err == 0 ? 0 : fail(plan, SetupStep::Rlimits, err);
  }
  // A plain fork (clone with SIGCHLD only; the seccomp filter allows it).
  long pid = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
  if (pid < 0) {
    return fail(plan, SetupStep::Fork, errno);
  }
  if (pid == 0) {
    execCommand(plan);
  }
  return reapUntil(plan, static_cast<pid_t>(pid));
}

}  // namespace bastion::sandbox
