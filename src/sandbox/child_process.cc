// ChildProcess: clone3 with a pidfd, and the kill-and-reap owner.
#include "sandbox/child_process.h"

#include <linux/sched.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <string>
#include <utility>

#include "sandbox/sandbox.h"

namespace bastion::sandbox {
namespace {

// The kernel's struct sigaction for rt_sigaction (glibc's differs; its wrapper is intercepted by
// sanitizers, the raw call is not).
struct KernelSigaction {
  void (*handler)(int);
  unsigned long flags;
  void (*restorer)();
  std::uint64_t mask;
};

constexpr int kMaxSignal = 64;
// waitid's P_PIDFD (Linux 5.4); glibc 2.36's idtype_t does not name it yet.
constexpr int kIdTypePidfd = 3;

// Child side: every handler back to the default (an inherited server handler must never run in
// the sandbox; an inherited SIG_IGN would survive exec), then every signal unblocked.
void resetSignals() noexcept {
  KernelSigaction dfl{};
  dfl.handler = SIG_DFL;
  for (int sig = 1; sig <= kMaxSignal; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP) {
      syscall(SYS_rt_sigaction, sig, &dfl, nullptr, sizeof(dfl.mask));
    }
  }
  std::uint64_t none = 0;
  syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, nullptr, sizeof(none));
}

Error systemError(const char* what, int err) {
  return Error(SandboxError::SystemError, std::string(what) + ": " + std::strerror(err));
}

// Blocks every signal in the calling thread for a scope (posix_spawn does the same): the child
// must not run a parent's handler between clone and its own reset.
class BlockAllSignals {
 public:
  BlockAllSignals() {
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &saved_);
  }
  ~BlockAllSignals() { pthread_sigmask(SIG_SETMASK, &saved_, nullptr); }
  BlockAllSignals(const BlockAllSignals&) = delete;
  BlockAllSignals& operator=(const BlockAllSignals&) = delete;

 private:
  sigset_t saved_;
};

}  // namespace

void exitChild(int code) noexcept {
  for (;;) {
    syscall(SYS_exit_group, code);
  }
}

Result<ChildProcess> ChildProcess::spawn(std::uint64_t clone_flags, ChildMain child_main,
                                         void* context) {
  int pidfd = -1;
  clone_args args{};
  args.flags = clone_flags | CLONE_PIDFD;
  args.pidfd = reinterpret_cast<std::uint64_t>(&pidfd);
  args.exit_signal = SIGCHLD;
  long pid = 0;
  {
    BlockAllSignals blocked;
    pid = syscall(SYS_clone3, &args, sizeof(args));
    if (pid < 0 && errno == ENOSYS) {
      // A seccomp policy around the server (systemd's, container runtimes') may answer ENOSYS
      // for clone3, whose flags it cannot inspect. clone(2) takes the same flags here (all fit
      // in 32 bits) and returns the pidfd through its parent_tid argument.
      pid = syscall(SYS_clone, clone_flags | CLONE_PIDFD | SIGCHLD, nullptr, &pidfd, nullptr,
                    nullptr);
    }
    if (pid == 0) {
      // The child: only async-signal-safe code from here to exitChild.
      resetSignals();
      exitChild(child_main(context));
    }
  }
  if (pid < 0) {
    return systemError("clone", errno);
  }
  // The pidfd from CLONE_PIDFD is always close-on-exec.
  return ChildProcess(UniqueFd(pidfd), static_cast<pid_t>(pid));
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pidfd_(std::move(other.pidfd_)),
      pid_(std::exchange(other.pid_, -1)),
      reaped_(std::exchange(other.reaped_, true)) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    if (pidfd_.valid() && !reaped_) {
      kill();
      (void)wait();
    }
    pidfd_ = std::move(other.pidfd_);
    pid_ = std::exchange(other.pid_, -1);
    reaped_ = std::exchange(other.reaped_, true);
  }
  return *this;
}

ChildProcess::~ChildProcess() {
  if (pidfd_.valid() && !reaped_) {
    kill();
    (void)wait();
  }
}

void ChildProcess::kill() noexcept {
  if (pidfd_.valid() && !reaped_) {
    // ESRCH (already a zombie) is fine: wait() reaps it.
    // (glibc 2.36's <sys/pidfd.h> lacks C linkage for C++; the raw call is the same.)
    syscall(SYS_pidfd_send_signal, pidfd_.get(), SIGKILL, nullptr, 0);
  }
}

Result<ExitStatus> ChildProcess::wait() {
  if (!pidfd_.valid() || reaped_) {
    return Error(SandboxError::SystemError, "wait: the child was already reaped");
  }
  siginfo_t info{};
  while (waitid(static_cast<idtype_t>(kIdTypePidfd), static_cast<id_t>(pidfd_.get()), &info,
                WEXITED | __WALL) != 0) {
    if (errno != EINTR) {
      return systemError("waitid", errno);
    }
  }
  reaped_ = true;
  ExitStatus status;
  if (info.si_code == CLD_EXITED) {
    status.exit_code = info.si_status;
  } else {
    status.signal = info.si_status;
  }
  return status;
}

}  // namespace bastion::sandbox
