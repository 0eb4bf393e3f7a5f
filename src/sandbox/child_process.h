#pragma once
// ChildProcess: the owner of one child process, held through its pidfd. Destroying the owner
// kills the child (SIGKILL) and reaps it, so no path through the launcher can leave a sandbox
// running or a zombie behind. Killing the sandbox's pid 1 kills its whole pid namespace.

#include <sys/types.h>

#include <cstdint>
#include <optional>

#include "core/error.h"
#include "core/unique_fd.h"

namespace bastion::sandbox {

// How a child ended: exactly one of the two is set.
struct ExitStatus {
  std::optional<int> exit_code;
  std::optional<int> signal;
};

// Ends a child made by ChildProcess::spawn: the exit_group system call itself. Not _exit():
// sanitizers intercept it and run their end-of-process checks, which in a raw clone of a
// multi-threaded parent see the parent's other threads as leaked.
[[noreturn]] void exitChild(int code) noexcept;

class ChildProcess {
 public:
  // Runs in the child, on a copy of the parent's memory, with every signal blocked and every
  // handler reset to the default. It must use async-signal-safe calls only; its return value is
  // the child's exit code (the child never returns into the caller's frames).
  using ChildMain = int (*)(void* context) noexcept;

  // clone3(CLONE_PIDFD | clone_flags) with fork semantics (no shared memory), or clone(2) where
  // clone3 is answered ENOSYS. clone_flags holds the CLONE_NEW* namespaces. The parent's signal mask is restored before this returns.
  [[nodiscard]] static Result<ChildProcess> spawn(std::uint64_t clone_flags, ChildMain child_main,
                                                  void* context);

  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();  // kill() then wait(), unless already reaped

  pid_t pid() const { return pid_; }
  // Readable (POLLIN) once the child has exited; for poll loops.
  int pidfd() const { return pidfd_.get(); }

  // SIGKILL through the pidfd (no pid reuse race). A no-op once reaped.
  void kill() noexcept;
  // Blocks until the child exits, then reaps it. Fails only on a kernel error.
  [[nodiscard]] Result<ExitStatus> wait();

 private:
  ChildProcess(UniqueFd pidfd, pid_t pid) : pidfd_(std::move(pidfd)), pid_(pid) {}

  UniqueFd pidfd_;
  pid_t pid_ = -1;
  bool reaped_ = false;
};

}  // namespace bastion::sandbox
