#pragma once
// Runs a containment step and an attempt in a forked child, so the test process itself is never
// restricted. The child does only raw system calls and leaves with _exit(): its exit code is the
// attempt's errno (0 = the call succeeded), or kSetupFailed when the step could not be applied.

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

namespace bastion::sandbox::testing {

inline constexpr int kSetupFailed = 200;

// What became of the child.
struct ChildOutcome {
  bool exited = false;
  int exit_code = -1;
  int signal = 0;  // set when killed by a signal
};

inline ChildOutcome waitChild(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      return {};
    }
  }
  ChildOutcome outcome;
  if (WIFEXITED(status)) {
    outcome.exited = true;
    outcome.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    outcome.signal = WTERMSIG(status);
  }
  return outcome;
}

// setup() returns 0 or an errno (the step); attempt() returns 0 or an errno (the offence).
template <class Setup, class Attempt>
ChildOutcome runInChild(Setup setup, Attempt attempt) {
  const pid_t pid = fork();
  if (pid == 0) {
    if (setup() != 0) {
      _exit(kSetupFailed);
    }
    _exit(attempt());
  }
  if (pid < 0) {
    return {};
  }
  return waitChild(pid);
}

// The errno of a call that returns -1 on failure, or 0.
inline int errnoOf(long rc) { return rc < 0 ? errno : 0; }

}  // namespace bastion::sandbox::testing
