// Real programs that try to escape (tests/sandbox_cases) run in the real sandbox; each outcome
// is asserted exactly: which call failed with which errno, or which limit ended the run. The
// same binary runs as root (CI) and, through run-unprivileged.sh, as an unprivileged user.

// GCC 12 at -O2 reports std::istreambuf_iterator internals as potential null dereferences
// (false positives that would fail -Werror release builds).
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "sandbox/sandbox.h"

namespace bastion::sandbox {
namespace {

namespace fs = std::filesystem;

std::string casesDir() {
  const char* dir = std::getenv("BASTION_SANDBOX_CASES_DIR");
  return dir != nullptr ? dir : BASTION_SANDBOX_CASES_DIR;
}

bool isRoot() { return ::geteuid() == 0; }

// A scratch directory on the host, removed afterwards.
struct HostDir {
  HostDir() {
    std::string tmpl = fs::temp_directory_path().string() + "/bastion-escape-XXXXXX";
    path = ::mkdtemp(tmpl.data());
    fs::permissions(path, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                              fs::perms::others_read | fs::perms::others_exec);
  }
  ~HostDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string path;
};

class SandboxEscape : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto created = Launcher::create();
    ASSERT_TRUE(created) << created.error().message;
    launcher_ = std::move(created).value().release();
  }
  static void TearDownTestSuite() {
    delete launcher_;
    launcher_ = nullptr;
  }

  // Tight limits so that every bomb ends fast. As root the cgroup limits must hold; an
  // unprivileged user has none and relies on rlimits (RLIMIT_NPROC in its user namespace).
  static Policy policy() {
    Policy p;
    p.read_only_paths = {casesDir()};
    p.limits.memory_bytes = std::uint64_t{64} << 20;
    p.limits.cpu = std::chrono::seconds(1);
    p.limits.timeout = std::chrono::seconds(20);
    p.limits.pids = 16;
    p.limits.output_bytes = 64 << 10;
    p.limits.tmp_bytes = std::uint64_t{8} << 20;
    p.limits.file_bytes = std::uint64_t{64} << 20;
    p.limits.open_files = 64;
    p.required = {Layer::PidNamespace, Layer::MountNamespace, Layer::NetNamespace,
                  Layer::IpcNamespace, Layer::UtsNamespace,   Layer::CgroupNamespace,
                  Layer::NoNewPrivs,   Layer::Seccomp,        Layer::Landlock,
                  Layer::Rlimits};
    if (isRoot()) {
      p.required.push_back(Layer::CgroupMemory);
      p.required.push_back(Layer::CgroupPids);
    } else {
      p.required.push_back(Layer::UserNamespace);
    }
    return p;
  }

  static RunResult run(const std::string& name, std::vector<std::string> args = {},
                       const Policy& p = policy()) {
    Command c;
    c.argv = {casesDir() + "/" + name};
    for (std::string& a : args) {
      c.argv.push_back(std::move(a));
    }
    auto r = launcher_->run(c, p);
    EXPECT_TRUE(r) << name << ": " << (r ? "" : r.error().message);
    if (!r) {
      return RunResult{};
    }
    // The suite-wide canary (a secret in the server's environment) never reaches the sandbox.
    if (const char* canary = std::getenv("BASTION_TEST_CANARY"); canary != nullptr && *canary) {
      EXPECT_EQ(r.value().stdout_data.find(canary), std::string::npos) << name;
      EXPECT_EQ(r.value().stderr_data.find(canary), std::string::npos) << name;
    }
    return r.value();
  }

  // The program ran to its end (exit 0) and printed exactly `expected`.
  static void expectOutput(const RunResult& r, const std::string& expected) {
    EXPECT_EQ(r.stdout_data, expected) << "stderr: " << r.stderr_data;
    EXPECT_EQ(r.exit_code, 0) << "signal " << r.signal.value_or(0);
    EXPECT_EQ(r.limit, LimitHit::None);
  }

  static Launcher* launcher_;
};

Launcher* SandboxEscape::launcher_ = nullptr;

TEST_F(SandboxEscape, TcpToLoopbackIsRefused) {
  // The server listens on 127.0.0.1; no IP socket can even be created.
  expectOutput(run("net_tcp_loopback", {"8080"}), "socket=EAFNOSUPPORT\n");
}

TEST_F(SandboxEscape, UdpToLoopbackIsRefused) {
  expectOutput(run("net_udp_loopback"), "socket=EAFNOSUPPORT\n");
}

TEST_F(SandboxEscape, TcpToAnOutsideAddressIsRefused) {
  expectOutput(run("net_tcp_outside"), "socket4=EAFNOSUPPORT\nsocket6=EAFNOSUPPORT\n");
}

TEST_F(SandboxEscape, RawPacketAndNetlinkSocketsAreRefused) {
  // Only AF_UNIX sockets exist inside.
  expectOutput(run("net_raw_socket"),
               "raw=EAFNOSUPPORT\npacket=EAFNOSUPPORT\nnetlink=EAFNOSUPPORT\n"
               "socketpair_inet=EAFNOSUPPORT\nunix=ok\n");
}

TEST_F(SandboxEscape, WritesOutsideTmpAreRefused) {
  // The new root and the binds are read-only (EROFS); a binary is not even ours to open for
  // writing (EACCES: the command runs as an unprivileged identity); /tmp is the one writable
  // place.
  expectOutput(run("fs_write_outside_tmp"),
               "root=EROFS\nusr=EROFS\netc=EROFS\nbinary=EACCES\ntmp=ok\n");
}

TEST_F(SandboxEscape, HostSecretsAreNotInTheSandbox) {
  // /etc/shadow, /root, /etc/ssh, /sys and /home were never bound.
  expectOutput(run("fs_read_shadow"),
               "shadow=ENOENT\nroot_home=ENOENT\nssh_keys=ENOENT\nsys=ENOENT\nhome=ENOENT\n");
}

TEST_F(SandboxEscape, ServerEnvironmentCannotBeRead) {
  // The server's /proc/<pid>/environ is outside the pid namespace, and a variable set in the
  // server's environment does not reach the child's.
  ASSERT_EQ(::setenv("BASTION_SANDBOX_CANARY", "canary-7f3a", 1), 0);
  expectOutput(run("proc_environ", {std::to_string(::getpid())}),
               "server_environ=ENOENT\ncanary=absent\n");
  ::unsetenv("BASTION_SANDBOX_CANARY");
}

TEST_F(SandboxEscape, EnvironmentIsExactlyThePolicys) {
  // Nothing of the server's environment (its API keys, the suite's canary) is inherited: env
  // prints exactly the variables the policy lists.
  ASSERT_EQ(::setenv("BASTION_SANDBOX_CANARY", "canary-7f3a", 1), 0);
  Command c;
  c.argv = {"/usr/bin/env"};
  auto r = launcher_->run(c, policy());
  ::unsetenv("BASTION_SANDBOX_CANARY");
  ASSERT_TRUE(r) << r.error().message;
  std::string expected;
  for (const std::string& variable : policy().env) {
    expected += variable + "\n";
  }
  EXPECT_EQ(r.value().stdout_data, expected);
}

TEST_F(SandboxEscape, HostProcessesAreInvisible) {
  // /proc lists only the command (pid 2): not the server, and not the sandbox's init (pid 1,
  // which reaps; hidden by hidepid=ptraceable because it is a non-dumpable copy of the server).
  // Our parent is that init.
  expectOutput(run("proc_list"), "processes=1\nparent=1\n");
}

TEST_F(SandboxEscape, PtraceIsRefused) {
  expectOutput(run("ptrace_parent"),
               "attach_parent=EPERM\nattach_init=EPERM\ntraceme=EPERM\nvm_readv=EPERM\n");
}

TEST_F(SandboxEscape, MountPivotRootAndChrootAreRefused) {
  expectOutput(run("mount_attempt"),
               "mount_tmpfs=EPERM\nremount_rw=EPERM\numount=EPERM\npivot_root=EPERM\n"
               "chroot=EPERM\n");
}

TEST_F(SandboxEscape, NewNamespacesAreRefused) {
  expectOutput(run("namespace_create"),
               "unshare_user=EPERM\nunshare_net=EPERM\nunshare_mount=EPERM\n"
               "clone_newpid=EPERM\nsetns=EPERM\n");
}

TEST_F(SandboxEscape, KernelModulesCannotBeLoaded) {
  expectOutput(run("module_load"),
               "init_module=EPERM\nfinit_module=EPERM\ndelete_module=EPERM\nkexec_load=EPERM\n");
}

TEST_F(SandboxEscape, KernelAttackSurfaceIsRefused) {
  // bpf, keyrings, perf, io_uring, userfaultfd, personality, TIOCSTI, clock, reboot.
  expectOutput(run("syscalls_refused"),
               "bpf=EPERM\nkeyctl=EPERM\nadd_key=EPERM\nperf_event_open=EPERM\n"
               "io_uring_setup=EPERM\nuserfaultfd=EPERM\npersonality=EPERM\ntiocsti=EPERM\n"
               "clock_settime=EPERM\nreboot=EPERM\n");
}

TEST_F(SandboxEscape, ForkBombIsContained) {
  // The process-count limit (cgroup pids as root, RLIMIT_NPROC in the user namespace
  // otherwise) refuses the fork long before the host feels it.
  const RunResult r = run("fork_bomb");
  EXPECT_EQ(r.stdout_data, "fork=EAGAIN\n")
      << r.stderr_data << " signal " << r.signal.value_or(0) << " limit " << limitName(r.limit);
  EXPECT_EQ(r.exit_code, 0);
}

TEST_F(SandboxEscape, MemoryBombIsContained) {
  // 64 MiB allowed, 4 GiB wanted: allocation fails or the process is killed, and the limit is
  // named.
  const RunResult r = run("memory_bomb", {"4096"});
  EXPECT_NE(r.stdout_data, "malloc=unbounded\n");
  EXPECT_TRUE(r.stdout_data == "malloc=NULL\n" || r.limit == LimitHit::Memory)
      << r.stdout_data << " limit " << limitName(r.limit);
}

TEST_F(SandboxEscape, CpuSpinIsStoppedByTheCpuLimit) {
  const RunResult r = run("cpu_spin");
  EXPECT_EQ(r.limit, LimitHit::Cpu);
  EXPECT_FALSE(r.exit_code.has_value());
  EXPECT_LT(r.duration, std::chrono::seconds(10));
}

TEST_F(SandboxEscape, FillingTmpStopsAtItsSize) {
  // The tmpfs holds 8 MiB: the write fails there, not on the host's disk or memory.
  expectOutput(run("tmpfs_fill"), "write=ENOSPC\n");
}

TEST_F(SandboxEscape, FileDescriptorExhaustionStopsAtTheLimit) {
  expectOutput(run("fd_exhaust"), "open=EMFILE\nopened_below_1024=yes\n");
}

TEST_F(SandboxEscape, SetuidBinaryGrantsNothing) {
  // A set-user-ID binary owned by someone else runs with our identity (no_new_privs, nosuid).
  HostDir dir;
  std::string probe;
  if (const char* prepared = std::getenv("BASTION_SANDBOX_SETUID")) {
    probe = prepared;  // run-unprivileged.sh installed it set-user-ID root
  } else {
    ASSERT_TRUE(isRoot()) << "without root the test cannot install a set-user-ID binary";
    probe = dir.path + "/setuid_print";
    fs::copy_file(casesDir() + "/setuid_print", probe);
    ASSERT_EQ(::chown(probe.c_str(), 65534, 65534), 0);  // nobody
    ASSERT_EQ(::chmod(probe.c_str(), 04755), 0);
  }
  Policy p = policy();
  p.read_only_paths.push_back(fs::path(probe).parent_path().string());
  const RunResult r = run("setuid_exec", {probe}, p);
  EXPECT_EQ(r.exit_code, 0);
  const std::string before = r.stdout_data.substr(0, r.stdout_data.find('\n'));
  ASSERT_EQ(before.rfind("before=", 0), 0u) << r.stdout_data;
  EXPECT_EQ(r.stdout_data, before + "\nafter=" + before.substr(7) + "\n");
}

TEST_F(SandboxEscape, ProcRootCannotLeadBackToTheHost) {
  // /proc/self/root is the sandbox's own root. pid 1, the sandbox's init (a non-dumpable copy
  // of the server), is not even listed: /proc is mounted hidepid=ptraceable, so /proc/1 does
  // not exist for the command, as root and unprivileged alike.
  expectOutput(run("proc_root_escape"),
               "self_root_shadow=ENOENT\ninit_root_shadow=ENOENT\ninit_cwd_root=ENOENT\n"
               "readlink_init_root=ENOENT\n");
}

TEST_F(SandboxEscape, SymlinksInInputPathsResolveInsideTheSandbox) {
  // Links planted in an input directory point at host secrets; inside they resolve against
  // the sandbox's root, where those files do not exist.
  HostDir dir;
  const std::string input = dir.path + "/input";
  fs::create_directory(input);
  std::ofstream(input + "/plain.txt") << "hello";
  fs::create_symlink("/etc/shadow", input + "/abs");
  fs::create_symlink("../../../../../../../../etc/shadow", input + "/rel");
  fs::create_directory_symlink("/root", input + "/dir");
  fs::permissions(input, fs::perms::owner_all | fs::perms::others_read | fs::perms::others_exec);
  fs::permissions(input + "/plain.txt",
                  fs::perms::owner_read | fs::perms::owner_write | fs::perms::others_read);
  Policy p = policy();
  p.read_only_paths.push_back(input);
  expectOutput(run("symlink_input", {input}, p),
               "absolute_link=ENOENT\nrelative_link=ENOENT\ndirectory_link=ENOENT\n"
               "plain_file=ok\n");
}

TEST_F(SandboxEscape, ProcessIgnoringSigtermDiesAtTheTimeout) {
  // It ignores SIGTERM and leaves a detached grandchild; the timeout kills the whole pid
  // namespace, and no process of it is left on the host when run() returns.
  Policy p = policy();
  p.limits.timeout = std::chrono::milliseconds(500);
  const std::string marker = "bastion-immortal-" + std::to_string(::getpid());
  const RunResult r = run("sigterm_immortal", {marker}, p);
  EXPECT_EQ(r.limit, LimitHit::Timeout);
  EXPECT_EQ(r.stdout_data, "started\n");
  EXPECT_EQ(r.signal, SIGKILL);
  for (const auto& entry : fs::directory_iterator("/proc")) {
    std::ifstream cmdline(entry.path() / "cmdline");
    std::string text((std::istreambuf_iterator<char>(cmdline)), std::istreambuf_iterator<char>());
    EXPECT_EQ(text.find(marker), std::string::npos) << "left behind: " << entry.path();
  }
}

TEST_F(SandboxEscape, ServerCannotBeSignalled) {
  // The server's pid does not exist in the sandbox's namespace. The parent is the sandbox's
  // init, which the kernel shields from signals sent inside its namespace (kill succeeds, the
  // signal is dropped: the program goes on and exits 0); kill(-1) finds nobody else to hit.
  expectOutput(run("signal_server", {std::to_string(::getpid())}),
               "kill_server=ESRCH\nkill_parent=ok\nkill_all=ESRCH\n");
}

TEST_F(SandboxEscape, ServerKeepsServingAfterEveryAttack) {
  // Bombs and a process that outlives its timeout, then a plain run: the launcher (the server's
  // side) is unharmed and the next call works.
  Policy quick = policy();
  quick.limits.timeout = std::chrono::milliseconds(300);
  run("fork_bomb");
  run("sigterm_immortal", {"bastion-after-attack"}, quick);
  run("fd_exhaust");
  Command c;
  c.argv = {"/bin/echo", "still serving"};
  auto r = launcher_->run(c, policy());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r.value().stdout_data, "still serving\n");
  EXPECT_EQ(r.value().exit_code, 0);
}

}  // namespace
}  // namespace bastion::sandbox
