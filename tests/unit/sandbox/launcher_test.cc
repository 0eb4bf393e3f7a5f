// The real launcher end to end: real programs run in the sandbox, each outcome asserted exactly.
// CI runs these as root; as an unprivileged user the user-namespace path is taken.

// GCC 12 at -O2 reports std::istreambuf_iterator internals as potential null dereferences
// (false positives that would fail -Werror release builds).
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "sandbox/sandbox.h"

namespace bastion::sandbox {
namespace {

using std::chrono::milliseconds;

Command cmd(std::vector<std::string> argv, std::string stdin_data = "", std::string cwd = "/tmp") {
  Command command;
  command.argv = std::move(argv);
  command.stdin_data = std::move(stdin_data);
  command.cwd = std::move(cwd);
  return command;
}

class LauncherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto created = Launcher::create();
    ASSERT_TRUE(created) << created.error().message;
    launcher_ = std::move(created).value();
  }

  RunResult mustRun(const Command& command, const Policy& policy = {},
                    const RunOptions& options = {}) {
    auto result = launcher_->run(command, policy, options);
    EXPECT_TRUE(result) << (result ? "" : result.error().message);
    return result ? std::move(result).value() : RunResult{};
  }
  RunResult sh(const std::string& script, const Policy& policy = {}) {
    return mustRun(cmd({"/bin/sh", "-c", script}, "", "/tmp"), policy);
  }

  std::unique_ptr<Launcher> launcher_;
};

// /bin/true exits 0 with no output and no limit fired.
TEST_F(LauncherTest, TrueExitsZero) {
  RunResult r = mustRun(cmd({"/bin/true"}));
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_FALSE(r.signal);
  EXPECT_EQ(r.stdout_data, "");
  EXPECT_EQ(r.stderr_data, "");
  EXPECT_EQ(r.limit, LimitHit::None);
  EXPECT_GT(r.duration.count(), 0);
}

// Arguments reach the program verbatim (no shell splitting) and stdout is captured.
TEST_F(LauncherTest, EchoCapturesStdout) {
  RunResult r = mustRun(cmd({"/bin/echo", "a  b", "$HOME", ";", "c"}));
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.stdout_data, "a  b $HOME ; c\n");
}

// stdin_data is written to the child and closed; cat echoes it exactly.
TEST_F(LauncherTest, CatEchoesStdin) {
  std::string input(200'000, 'x');  // larger than a pipe buffer: needs the non-blocking writer
  input += "end";
  RunResult r = mustRun(cmd({"/bin/cat"}, input));
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.stdout_data, input);
}

// A command that exits without reading its input: the rest of stdin is dropped, no SIGPIPE
// reaches the caller (this test process does not ignore SIGPIPE), the exit code is the command's.
TEST_F(LauncherTest, UnreadStdinIsNotAnError) {
  RunResult r = mustRun(cmd({"/bin/sh", "-c", "exit 3"}, std::string(4 << 20, 'x')));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.limit, LimitHit::None);
}

// Exit codes and stderr come back apart from stdout.
TEST_F(LauncherTest, ExitCodeAndStderr) {
  RunResult r = sh("echo out; echo err >&2; exit 7");
  EXPECT_EQ(r.exit_code, 7);
  EXPECT_EQ(r.stdout_data, "out\n");
  EXPECT_EQ(r.stderr_data, "err\n");
}

// A command killed by a signal reports the signal, not an exit code.
TEST_F(LauncherTest, SignalIsReported) {
  RunResult r = sh("kill -SEGV $$");
  EXPECT_FALSE(r.exit_code);
  EXPECT_EQ(r.signal, SIGSEGV);
}

// Output past the cap is discarded, the command still completes, the limit is Output.
TEST_F(LauncherTest, OutputIsTruncatedAtCap) {
  Policy policy;
  policy.limits.output_bytes = 1000;
  RunResult r = sh("head -c 100000 /dev/zero; echo done >&2", policy);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.stdout_data, std::string(1000, '\0'));
  EXPECT_TRUE(r.stdout_truncated);
  EXPECT_FALSE(r.stderr_truncated);
  EXPECT_EQ(r.stderr_data, "done\n");
  EXPECT_EQ(r.limit, LimitHit::Output);
}

// The wall-clock timeout kills `sleep 100` (and its whole namespace) well within bounds.
TEST_F(LauncherTest, TimeoutKillsSleep) {
  Policy policy;
  policy.limits.timeout = milliseconds(300);
  auto started = std::chrono::steady_clock::now();
  RunResult r = mustRun(cmd({"/bin/sleep", "100"}), policy);
  auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(r.limit, LimitHit::Timeout);
  EXPECT_EQ(r.signal, SIGKILL);
  EXPECT_FALSE(r.exit_code);
  EXPECT_GE(took, milliseconds(300));
  EXPECT_LT(took, milliseconds(10'000));
}

// What the command printed before the timeout killed it is kept.
TEST_F(LauncherTest, OutputBeforeTimeoutIsKept) {
  Policy policy;
  policy.limits.timeout = milliseconds(300);
  RunResult r = sh("echo before; echo err >&2; sleep 100", policy);
  EXPECT_EQ(r.limit, LimitHit::Timeout);
  EXPECT_EQ(r.stdout_data, "before\n");
  EXPECT_EQ(r.stderr_data, "err\n");
}

// A child that ignores SIGTERM and backgrounds itself dies with the namespace at the timeout.
TEST_F(LauncherTest, TimeoutKillsBackgroundedChildren) {
  Policy policy;
  policy.limits.timeout = milliseconds(300);
  RunResult r = sh("trap '' TERM; sleep 100 & sleep 100; wait", policy);
  EXPECT_EQ(r.limit, LimitHit::Timeout);
  EXPECT_EQ(r.signal, SIGKILL);
}

// Leftover background processes do not keep the run alive: pid 1 exits with the command and
// the kernel kills the rest.
TEST_F(LauncherTest, BackgroundChildDoesNotOutliveCommand) {
  Policy policy;
  policy.limits.timeout = milliseconds(20'000);
  auto started = std::chrono::steady_clock::now();
  RunResult r = sh("sleep 100 > /dev/null 2>&1 & echo started", policy);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.stdout_data, "started\n");
  EXPECT_LT(std::chrono::steady_clock::now() - started, milliseconds(10'000));
}

// RunOptions::cancelled ends the run with LimitHit::Cancelled.
TEST_F(LauncherTest, CancellationKills) {
  std::atomic<int> polls{0};
  RunOptions options;
  options.cancelled = [&polls] { return ++polls > 3; };
  RunResult r = mustRun(cmd({"/bin/sleep", "100"}), Policy{}, options);
  EXPECT_EQ(r.limit, LimitHit::Cancelled);
  EXPECT_EQ(r.signal, SIGKILL);
  EXPECT_GT(polls.load(), 3);
}

// The environment is exactly the policy's: a canary in the server's environment never arrives.
TEST_F(LauncherTest, EnvironmentIsOnlyThePolicys) {
  ASSERT_EQ(setenv("BASTION_CANARY_SECRET", "canary-7f3a", 1), 0);
  Policy policy;
  policy.env = {"ONLY=this", "PATH=/usr/bin:/bin"};
  RunResult r = mustRun(cmd({"/usr/bin/env"}), policy);
  unsetenv("BASTION_CANARY_SECRET");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.stdout_data, "ONLY=this\nPATH=/usr/bin:/bin\n");
}

// The sandbox has its own hostname.
TEST_F(LauncherTest, HostnameDiffers) {
  char host[256] = {};
  ASSERT_EQ(gethostname(host, sizeof(host) - 1), 0);
  RunResult r = mustRun(cmd({"/bin/hostname"}));
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.stdout_data, "sandbox\n");
  EXPECT_NE(r.stdout_data, std::string(host) + "\n");
}

// /proc shows only the command's own processes: not the host's, and not our pid 1 either (a
// copy of the server; hidepid=ptraceable hides it). The shell is pid 2; its parent is pid 1.
TEST_F(LauncherTest, ProcShowsOnlySandboxProcesses) {
  RunResult r = sh("cd /proc && for p in [0-9]*; do echo $p; done; echo parent=$PPID");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.stdout_data, "2\nparent=1\n");
}

// The server's memory and environment, copied into pid 1 by clone, cannot be read by the command
// (pid 1 is not dumpable): the attack of reading /proc/1/mem or /proc/1/environ.
TEST_F(LauncherTest, ServerMemoryInPid1IsUnreadable) {
  RunResult r =
      sh("cat /proc/1/environ > /dev/null 2>&1 && echo environ-read; "
         "head -c 1 /proc/1/mem > /dev/null 2>&1 && echo mem-read; "
         "cat /proc/1/cmdline > /dev/null 2>&1 && echo cmdline-read; "
         "cat /proc/1/maps > /dev/null 2>&1 && echo maps-read; echo done");
  EXPECT_EQ(r.stdout_data, "done\n");
}

// The cgroup namespace is rooted at the run's own group: every hierarchy reads "/", so the
// server's group names (and its pid in the run's group name) stay hidden.
TEST_F(LauncherTest, CgroupPathsAreRootedAtTheRun) {
  RunResult r = sh("cut -d: -f3 /proc/self/cgroup | sort -u");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.stdout_data, "/\n");
}

// The working directory is /tmp, writable; the command runs as nobody.
TEST_F(LauncherTest, CwdIsWritableTmpAsNobody) {
  RunResult r = sh("pwd; echo hi > f && cat f; id -u; id -g");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.stdout_data, "/tmp\nhi\n65534\n65534\n");
}

// Writing outside /tmp fails with EROFS (the read-only root and binds).
TEST_F(LauncherTest, WriteOutsideTmpIsReadOnly) {
  RunResult r = sh("echo x > /usr/evil; echo x > /evil; mkdir /etc/evil");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.stderr_data.find("Read-only file system"), std::string::npos) << r.stderr_data;
  EXPECT_EQ(r.stderr_data.find("Permission denied"), std::string::npos) << r.stderr_data;
}

// Only the declared paths exist: the host's /home, /root, /var and /etc/shadow are absent.
TEST_F(LauncherTest, UndeclaredHostPathsAreAbsent) {
  RunResult r = sh("ls / | sort | tr '\\n' ' '; test -e /etc/shadow && echo SHADOW");
  EXPECT_EQ(r.exit_code, 1);  // `test` fails: no shadow
  EXPECT_EQ(r.stdout_data.find("home"), std::string::npos) << r.stdout_data;
  EXPECT_EQ(r.stdout_data.find("root"), std::string::npos) << r.stdout_data;
  EXPECT_EQ(r.stdout_data.find("var"), std::string::npos) << r.stdout_data;
  EXPECT_EQ(r.stdout_data.find("SHADOW"), std::string::npos);
}

// A declared read-only path is visible (and read-only); a file beside it is not.
TEST_F(LauncherTest, DeclaredPathIsVisibleReadOnly) {
  char dir_template[] = "/tmp/bastion-sbx-XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  std::string dir = dir_template;
  ASSERT_EQ(system(("mkdir " + dir + "/in && echo data > " + dir + "/in/a && echo no > " + dir +
                    "/secret")
                       .c_str()),
            0);
  Policy policy;
  policy.read_only_paths = {dir + "/in"};
  RunResult r =
      sh("cat " + dir + "/in/a; cat " + dir + "/secret; echo x > " + dir + "/in/b", policy);
  system(("rm -rf " + dir).c_str());
  EXPECT_EQ(r.stdout_data, "data\n");
  EXPECT_NE(r.stderr_data.find("No such file"), std::string::npos) << r.stderr_data;
  EXPECT_NE(r.stderr_data.find("Read-only file system"), std::string::npos) << r.stderr_data;
}

// /dev holds null, zero, urandom (they work) and nothing of the host's devices.
TEST_F(LauncherTest, MinimalDev) {
  RunResult r =
      sh("for d in null zero urandom fd stdin mem kmsg sda tty console shm; do "
         "test -e /dev/$d && echo $d; done; head -c 4 /dev/zero | od -An -tx1; echo x > /dev/null; "
         "test $(head -c 16 /dev/urandom | wc -c) = 16 && echo random");
  EXPECT_EQ(r.exit_code, 0) << r.stderr_data;
  EXPECT_EQ(r.stdout_data, "null\nzero\nurandom\nfd\nstdin\n 00 00 00 00\nrandom\n");
}

// The network namespace has only the loopback interface, and it is down: no local address
// (127.0.0.1 is in the routing tables only once lo is up).
TEST_F(LauncherTest, NetworkHasOnlyDownedLoopback) {
  RunResult r =
      sh("tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '; "
         "grep -c 127.0.0.1 /proc/net/fib_trie");
  EXPECT_EQ(r.stdout_data, "lo\n0\n");
}

// A command that does not exist inside the sandbox is ExecFailed.
TEST_F(LauncherTest, MissingCommandIsExecFailed) {
  auto r = launcher_->run(cmd({"/usr/bin/no-such-program"}), Policy{});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, static_cast<int>(SandboxError::ExecFailed));
  EXPECT_EQ(r.error().message, "sandbox could not execute the command: No such file or directory");
}

// argv[0] must be absolute: no PATH search, no shell.
TEST_F(LauncherTest, RelativeArgv0IsInvalidCommand) {
  for (const Command& bad :
       {cmd({"true"}), cmd({}), cmd({"./x"}), cmd({"/bin/echo", std::string("a\0b", 3)}),
        cmd({"/bin/true"}, "", "tmp")}) {
    auto r = launcher_->run(bad, Policy{});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, static_cast<int>(SandboxError::InvalidCommand)) << r.error().message;
  }
}

// A working directory that does not exist inside is a setup failure naming the step.
TEST_F(LauncherTest, MissingCwdIsSetupFailure) {
  auto r = launcher_->run(cmd({"/bin/true"}, "", "/nowhere"), Policy{});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, static_cast<int>(SandboxError::SetupFailed));
  EXPECT_EQ(r.error().message, "sandbox setup failed at chdir: No such file or directory");
}

// A CPU spin is stopped by RLIMIT_CPU (SIGXCPU) with LimitHit::Cpu.
TEST_F(LauncherTest, CpuSpinHitsCpuLimit) {
  Policy policy;
  policy.limits.cpu = milliseconds(1);  // rounded up to one second
  policy.limits.timeout = milliseconds(20'000);
  RunResult r = sh("while :; do :; done", policy);
  EXPECT_EQ(r.signal, SIGXCPU);
  EXPECT_EQ(r.limit, LimitHit::Cpu);
}

// Writing past RLIMIT_FSIZE kills with SIGXFSZ and LimitHit::FileSize.
TEST_F(LauncherTest, FileSizeLimit) {
  Policy policy;
  policy.limits.file_bytes = 4096;
  RunResult r =
      mustRun(cmd({"/bin/dd", "if=/dev/zero", "of=/tmp/big", "bs=8192", "count=1"}), policy);
  EXPECT_EQ(r.signal, SIGXFSZ);
  EXPECT_EQ(r.limit, LimitHit::FileSize);
}

// Several runs at once from worker threads each get their own result.
TEST_F(LauncherTest, ConcurrentRuns) {
  constexpr int kThreads = 4;
  std::vector<std::string> outputs(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      auto r = launcher_->run(cmd({"/bin/echo", std::to_string(i)}), Policy{});
      outputs[static_cast<std::size_t>(i)] = r ? r.value().stdout_data : r.error().message;
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  for (int i = 0; i < kThreads; ++i) {
    EXPECT_EQ(outputs[static_cast<std::size_t>(i)], std::to_string(i) + "\n");
  }
}

// No descriptor leaks: many runs leave the fd count unchanged.
TEST_F(LauncherTest, NoFdLeak) {
  auto count = [] {
    int n = 0;
    for (int fd = 0; fd < 4096; ++fd) {
      n += fcntl(fd, F_GETFD) != -1 ? 1 : 0;
    }
    return n;
  };
  (void)mustRun(cmd({"/bin/true"}));
  int before = count();
  for (int i = 0; i < 10; ++i) {
    (void)mustRun(cmd({"/bin/true"}));
    (void)launcher_->run(cmd({"/nope"}), Policy{});
  }
  EXPECT_EQ(count(), before);
}

// The command sees no descriptor but 0, 1, 2 (a server fd without CLOEXEC does not leak in).
TEST_F(LauncherTest, OnlyStdioIsInherited) {
  int leaked = dup(STDERR_FILENO);  // dup() clears close-on-exec
  ASSERT_GE(leaked, 3);
  RunResult r = sh("ls /proc/self/fd | tr '\\n' ' '");
  close(leaked);
  EXPECT_EQ(r.exit_code, 0);
  // 0 1 2 and the descriptor ls opens on the directory itself.
  EXPECT_EQ(r.stdout_data, "0 1 2 3 ");
}

// Filling /tmp stops at its size (ENOSPC); the run itself completes normally.
TEST_F(LauncherTest, FillingTmpStopsAtItsSize) {
  Policy policy;
  policy.limits.tmp_bytes = std::uint64_t{1} << 20;
  RunResult r = sh("head -c 3000000 /dev/zero > /tmp/fill; echo rc=$?; wc -c < /tmp/fill", policy);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.stdout_data, "rc=1\n1048576\n");
  EXPECT_NE(r.stderr_data.find("No space left on device"), std::string::npos) << r.stderr_data;
}

// A server started with its standard streams closed: pipes could get numbers 0-2 and the
// child's dup2 onto 0-2 must not overwrite one it has yet to move (makePipe keeps every end
// above 2). Run in a forked helper.
TEST_F(LauncherTest, WorksWithStandardStreamsClosed) {
  pid_t helper = fork();
  ASSERT_GE(helper, 0);
  if (helper == 0) {
    close(STDIN_FILENO);
    close(STDOUT_FILENO);
    close(STDERR_FILENO);
    auto r = launcher_->run(cmd({"/bin/sh", "-c", "cat; echo err >&2"}, "in\n"), Policy{});
    bool ok = r && r.value().stdout_data == "in\n" && r.value().stderr_data == "err\n";
    _exit(ok ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(helper, &status, 0), helper);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

// Whether a process whose command line is exactly `argv` exists on the host (zombies have an
// empty command line and do not count).
bool processRunning(const std::vector<std::string>& argv) {
  std::string wanted;
  for (const std::string& a : argv) {
    wanted += a;
    wanted += '\0';
  }
  DIR* proc = opendir("/proc");
  bool found = false;
  while (dirent* entry = proc != nullptr ? readdir(proc) : nullptr) {
    std::ifstream file(std::string("/proc/") + entry->d_name + "/cmdline", std::ios::binary);
    std::string cmdline((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    found = found || cmdline == wanted;
  }
  if (proc != nullptr) {
    closedir(proc);
  }
  return found;
}

// Polls `condition` until it holds or `limit` passes (a bounded wait for another process).
template <class Condition>
bool eventually(Condition condition, milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) {
      return false;
    }
    std::this_thread::sleep_for(milliseconds(10));
  }
  return true;
}

// A killed server cannot remove its runs' cgroups ("bastion-<pid>-<n>", see cgroup.cc); the
// test removes those its killed helper left (empty once the sandbox died).
void removeRunGroupsOf(pid_t pid) {
  namespace fs = std::filesystem;
  const std::string prefix = "bastion-" + std::to_string(pid) + "-";
  std::error_code ec;
  std::vector<fs::path> found;
  for (auto it = fs::recursive_directory_iterator(
           "/sys/fs/cgroup", fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_directory(ec) && it->path().filename().string().starts_with(prefix)) {
      found.push_back(it->path());
      it.disable_recursion_pending();
    }
  }
  for (const fs::path& dir : found) {
    rmdir(dir.c_str());
  }
}

// Pins a bug: as root, the identity switch cleared PR_SET_PDEATHSIG, so a sandbox outlived a
// server killed mid-run (until its own command ended). The "server" here is a forked helper
// blocked in run(); once it is SIGKILLed its sandbox must die with it, long before the timeout.
TEST_F(LauncherTest, SandboxDiesWithTheServer) {
  const std::vector<std::string> argv{"/bin/sleep", "3601." + std::to_string(getpid())};
  pid_t helper = fork();
  ASSERT_GE(helper, 0);
  if (helper == 0) {
    Policy policy;
    policy.limits.timeout = milliseconds(120'000);
    (void)launcher_->run(cmd(argv), policy);
    _exit(0);
  }
  ASSERT_TRUE(eventually([&] { return processRunning(argv); }, milliseconds(20'000)));
  kill(helper, SIGKILL);
  waitpid(helper, nullptr, 0);
  EXPECT_TRUE(eventually([&] { return !processRunning(argv); }, milliseconds(20'000)));
  removeRunGroupsOf(helper);
}

bool hostHas(Layer layer) {
  for (const LayerStatus& s : probe()) {
    if (s.layer == layer) {
      return s.available;
    }
  }
  return false;
}

// A memory bomb is OOM-killed in its cgroup and reported as LimitHit::Memory.
TEST_F(LauncherTest, MemoryBombHitsMemoryLimit) {
  if (!hostHas(Layer::CgroupMemory)) {
    GTEST_SKIP() << "no cgroup memory controller on this host";
  }
  Policy policy;
  policy.required.push_back(Layer::CgroupMemory);
  policy.limits.memory_bytes = std::uint64_t{32} << 20;
  policy.limits.tmp_bytes = std::uint64_t{256} << 20;
  // tmpfs pages are charged to the writer's cgroup: filling /tmp past 32 MiB trips the limit
  // without depending on how a particular allocator behaves under RLIMIT_AS.
  RunResult r = sh("head -c 100000000 /dev/zero > /tmp/fill; echo survived", policy);
  EXPECT_EQ(r.limit, LimitHit::Memory);
  EXPECT_EQ(r.stdout_data.find("survived"), std::string::npos);
}

// A fork bomb is stopped by the cgroup pids limit and reported as LimitHit::Pids.
TEST_F(LauncherTest, ForkBombHitsPidsLimit) {
  if (!hostHas(Layer::CgroupPids)) {
    GTEST_SKIP() << "no cgroup pids controller on this host";
  }
  Policy policy;
  policy.required.push_back(Layer::CgroupPids);
  policy.limits.pids = 8;
  policy.limits.timeout = milliseconds(20'000);
  RunResult r = sh("for i in 1 2 3 4 5 6 7 8 9 10 11 12; do sleep 5 & done; echo spawned", policy);
  EXPECT_EQ(r.limit, LimitHit::Pids);
  EXPECT_NE(r.stderr_data.find("fork"), std::string::npos) << r.stderr_data;
}

}  // namespace
}  // namespace bastion::sandbox
