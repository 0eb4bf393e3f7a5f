// ChildProcess: the owner kills and reaps its child, through the pidfd, whatever happens.
#include "sandbox/child_process.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>

#include "sandbox/seccomp_filter.h"

namespace bastion::sandbox {
namespace {

int sleepForever(void*) noexcept {
  for (;;) {
    pause();
  }
}

int exitWith(void* code) noexcept { return *static_cast<int*>(code); }

int killSelf(void*) noexcept {
  raise(SIGSEGV);
  return 0;
}

// Whether `pid` still exists in any form (a zombie included).
bool processExists(pid_t pid) { return kill(pid, 0) == 0 || errno != ESRCH; }

// Destroying the owner of a running child kills it and reaps it: no process, no zombie.
TEST(ChildProcessTest, DestructorKillsAndReaps) {
  pid_t pid = -1;
  {
    auto child = ChildProcess::spawn(0, &sleepForever, nullptr);
    ASSERT_TRUE(child) << child.error().message;
    pid = child.value().pid();
    ASSERT_GT(pid, 0);
    ASSERT_TRUE(processExists(pid));
  }
  EXPECT_FALSE(processExists(pid));
  // Reaped by the destructor: nothing left for us to wait for.
  EXPECT_EQ(waitpid(pid, nullptr, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
}

// wait() reports the exit code of a child that returned.
TEST(ChildProcessTest, WaitReportsExitCode) {
  int code = 42;
  auto child = ChildProcess::spawn(0, &exitWith, &code);
  ASSERT_TRUE(child);
  auto status = child.value().wait();
  ASSERT_TRUE(status);
  EXPECT_EQ(status.value().exit_code, 42);
  EXPECT_FALSE(status.value().signal);
}

// wait() reports the signal of a killed child; the handlers the parent installed do not run
// in the child (they are reset to the default).
TEST(ChildProcessTest, WaitReportsSignalWithDefaultHandlers) {
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  struct sigaction saved {};
  ASSERT_EQ(sigaction(SIGSEGV, &ignore, &saved), 0);
  auto child = ChildProcess::spawn(0, &killSelf, nullptr);
  sigaction(SIGSEGV, &saved, nullptr);
  ASSERT_TRUE(child);
  auto status = child.value().wait();
  ASSERT_TRUE(status);
  EXPECT_EQ(status.value().signal, SIGSEGV);
}

// kill() then wait(): SIGKILL; a second wait is an error, not a hang.
TEST(ChildProcessTest, KillThenWait) {
  auto child = ChildProcess::spawn(0, &sleepForever, nullptr);
  ASSERT_TRUE(child);
  child.value().kill();
  auto status = child.value().wait();
  ASSERT_TRUE(status);
  EXPECT_EQ(status.value().signal, SIGKILL);
  EXPECT_FALSE(child.value().wait());
  child.value().kill();  // a no-op once reaped
}

// Moving the owner moves the duty: only the final owner kills, exactly once.
TEST(ChildProcessTest, MoveTransfersOwnership) {
  auto child = ChildProcess::spawn(0, &sleepForever, nullptr);
  ASSERT_TRUE(child);
  pid_t pid = child.value().pid();
  ChildProcess moved = std::move(child).value();
  EXPECT_EQ(moved.pid(), pid);
  EXPECT_TRUE(processExists(pid));
  { ChildProcess last = std::move(moved); }
  EXPECT_FALSE(processExists(pid));
}

// The parent's signal mask is unchanged by spawn (all signals are blocked only around clone).
TEST(ChildProcessTest, ParentSignalMaskRestored) {
  sigset_t before;
  sigset_t after;
  pthread_sigmask(SIG_SETMASK, nullptr, &before);
  int code = 0;
  auto child = ChildProcess::spawn(0, &exitWith, &code);
  ASSERT_TRUE(child);
  pthread_sigmask(SIG_SETMASK, nullptr, &after);
  EXPECT_EQ(sigismember(&after, SIGTERM), sigismember(&before, SIGTERM));
  EXPECT_EQ(sigismember(&after, SIGINT), sigismember(&before, SIGINT));
}

// Where a seccomp policy answers ENOSYS for clone3 (ours does, as do systemd's), spawn falls back
// to clone(2) and still gets a pidfd. Tried in a forked helper so the filter stays there.
TEST(ChildProcessTest, FallsBackToCloneWhenClone3IsRefused) {
  auto program = buildSeccompFilter();
  ASSERT_TRUE(program) << program.error().message;
  pid_t helper = fork();
  ASSERT_GE(helper, 0);
  if (helper == 0) {
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || installSeccomp(program.value()) != 0) {
      _exit(100);
    }
    int code = 7;
    auto child = ChildProcess::spawn(0, &exitWith, &code);
    if (!child) {
      _exit(101);
    }
    auto status = child.value().wait();
    _exit(status && status.value().exit_code == 7 ? 0 : 102);
  }
  int status = 0;
  ASSERT_EQ(waitpid(helper, &status, 0), helper);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace bastion::sandbox
