// The Landlock step: a child restricted to a read/exec directory, a read/write directory and
// /dev/null tries to reach beyond them. The tests run without pivot_root, so the plan holds
// absolute host paths; each refusal has an unrestricted control.
#include "sandbox/landlock.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/unique_fd.h"
#include "sandbox/sandbox.h"
#include "unit/sandbox/step_child.h"

namespace bastion::sandbox {
namespace {

using testing::ChildOutcome;
using testing::errnoOf;
using testing::runInChild;

std::string makeTempDir() {
  std::string pattern = std::filesystem::temp_directory_path().string() + "/bastion-ll-XXXXXX";
  const char* dir = mkdtemp(pattern.data());
  return dir == nullptr ? std::string() : pattern;
}

void writeFile(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

class LandlockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    abi_ = landlockAbi();
    if (abi_ == 0) {
      GTEST_SKIP() << "this kernel has no Landlock (not built in, or not in the lsm= list)";
    }
    read_exec_ = makeTempDir();
    read_write_ = makeTempDir();
    outside_ = makeTempDir();
    ASSERT_FALSE(read_exec_.empty() || read_write_.empty() || outside_.empty());
    writeFile(read_exec_ + "/file", "readable");
    writeFile(read_write_ + "/existing", "writable");
    writeFile(outside_ + "/secret", "secret");
    plan_.abi = abi_;
    plan_.read_exec_paths = {read_exec_};
    plan_.read_write_paths = {read_write_};
    plan_.device_paths = {"/dev/null"};
  }

  void TearDown() override {
    for (const auto& dir : {read_exec_, read_write_, outside_}) {
      if (!dir.empty()) {
        std::filesystem::remove_all(dir);
      }
    }
  }

  // The attempt in a child restricted by plan_.
  template <class Attempt>
  ChildOutcome restricted(Attempt attempt) {
    const LandlockPlan* plan = &plan_;
    return runInChild(
        [plan] {
          if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
            return errno;
          }
          return applyLandlock(*plan);
        },
        attempt);
  }

  // Fails with `expected` under Landlock, does not without it (the control runs second: it
  // may change the files, e.g. an unlink that succeeds). Not as root, the kernel may refuse
  // the control itself (signalling a root parent); the test then says so.
  template <class Attempt>
  void expectRefused(Attempt attempt, int expected) {
    const ChildOutcome outcome = restricted(attempt);
    ASSERT_TRUE(outcome.exited) << "signal " << outcome.signal;
    EXPECT_EQ(outcome.exit_code, expected);
    const ChildOutcome control = runInChild([] { return 0; }, attempt);
    ASSERT_TRUE(control.exited);
    if (control.exit_code == expected && geteuid() != 0) {
      GTEST_SKIP() << "not root: the kernel refuses this without Landlock too";
    }
    EXPECT_NE(control.exit_code, expected) << "refused even without Landlock";
  }

  template <class Attempt>
  void expectAllowed(Attempt attempt) {
    const ChildOutcome outcome = restricted(attempt);
    ASSERT_TRUE(outcome.exited) << "signal " << outcome.signal;
    EXPECT_EQ(outcome.exit_code, 0);
  }

  int abi_ = 0;
  std::string read_exec_;
  std::string read_write_;
  std::string outside_;
  LandlockPlan plan_;
};

// The ABI is read from the kernel (this host has 7; any Landlock kernel has at least 1).
TEST_F(LandlockTest, AbiIsReported) { EXPECT_GE(abi_, 1); }

// The plan grants the read-only binds read/exec, /tmp read/write, the three devices and /proc.
TEST_F(LandlockTest, PlanHoldsTheSandboxLayout) {
  auto plan = planLandlock({"/usr", "/etc/ld.so.cache"});
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_GE(plan.value().abi, 1);
  EXPECT_LE(plan.value().abi, 7);
  EXPECT_EQ(plan.value().read_exec_paths, (std::vector<std::string>{"/usr", "/etc/ld.so.cache"}));
  EXPECT_EQ(plan.value().read_write_paths, std::vector<std::string>{"/tmp"});
  EXPECT_EQ(plan.value().device_paths,
            (std::vector<std::string>{"/dev/null", "/dev/zero", "/dev/urandom"}));
  EXPECT_EQ(plan.value().read_paths, std::vector<std::string>{"/proc"});
}

// A relative path cannot be matched to anything inside the sandbox; the plan refuses it.
TEST_F(LandlockTest, RelativePathIsRefusedByThePlan) {
  auto plan = planLandlock({"usr"});
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().code, static_cast<int>(SandboxError::InvalidCommand));
}

// A file outside every granted path cannot be read.
TEST_F(LandlockTest, ReadOutsideGrantedPathsIsRefused) {
  const std::string secret = outside_ + "/secret";
  expectRefused([&secret] { return errnoOf(open(secret.c_str(), O_RDONLY | O_CLOEXEC)); }, EACCES);
  expectRefused([] { return errnoOf(open("/etc/passwd", O_RDONLY | O_CLOEXEC)); }, EACCES);
}

// The read-only directory can be read and listed but not written, created in or deleted from.
TEST_F(LandlockTest, WriteInReadOnlyDirIsRefused) {
  const std::string file = read_exec_ + "/file";
  const std::string created = read_exec_ + "/created";
  expectAllowed([&file] { return errnoOf(open(file.c_str(), O_RDONLY | O_CLOEXEC)); });
  expectAllowed(
      [this] { return errnoOf(open(read_exec_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)); });
  expectRefused([&file] { return errnoOf(open(file.c_str(), O_WRONLY | O_CLOEXEC)); }, EACCES);
  expectRefused(
      [&created] { return errnoOf(open(created.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600)); },
      EACCES);
  expectRefused([&file] { return errnoOf(unlink(file.c_str())); }, EACCES);
}

// The read/write directory allows creating, writing, truncating, renaming and removing.
TEST_F(LandlockTest, ReadWriteDirAllowsWork) {
  const std::string existing = read_write_ + "/existing";
  const std::string created = read_write_ + "/created";
  const std::string sub = read_write_ + "/sub";
  const std::string moved = read_write_ + "/sub/moved";
  expectAllowed([&] {
    const int fd = open(created.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || write(fd, "x", 1) != 1) {
      return errno;
    }
    if (truncate(existing.c_str(), 0) != 0 || mkdir(sub.c_str(), 0700) != 0 ||
        rename(created.c_str(), moved.c_str()) != 0 || unlink(moved.c_str()) != 0 ||
        rmdir(sub.c_str()) != 0) {
      return errno;
    }
    return 0;
  });
}

// Device nodes cannot be created even in the writable directory (root could without Landlock).
TEST_F(LandlockTest, MakeCharDeviceIsRefused) {
  const std::string node = read_write_ + "/mem";
  expectRefused(
      [&node] {
        const int rc = mknod(node.c_str(), S_IFCHR | 0600, makedev(1, 1));
        if (rc == 0) {
          unlink(node.c_str());
        }
        return errnoOf(rc);
      },
      EACCES);
}

// Only the listed device is reachable; writing to it with O_TRUNC (a shell's `>`) works.
TEST_F(LandlockTest, OnlyListedDevicesAreReachable) {
  expectAllowed([] { return errnoOf(open("/dev/null", O_WRONLY | O_TRUNC | O_CLOEXEC)); });
  expectRefused([] { return errnoOf(open("/dev/zero", O_RDONLY | O_CLOEXEC)); }, EACCES);
}

// ioctl on a device is refused (ABI 5 handles IOCTL_DEV and the plan never grants it).
TEST_F(LandlockTest, DeviceIoctlIsRefused) {
  if (abi_ < 5) {
    GTEST_SKIP() << "Landlock ABI " << abi_ << " does not cover device ioctls (needs 5)";
  }
  expectRefused(
      [] {
        const int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        int n = 0;
        return errnoOf(fd < 0 ? -1 : ioctl(fd, FIONREAD, &n));
      },
      EACCES);
}

// A path granted as a single file does not open its siblings.
TEST_F(LandlockTest, SingleFileRuleDoesNotOpenSiblings) {
  const std::string granted = outside_ + "/granted";
  writeFile(granted, "ok");
  plan_.read_exec_paths = {granted};
  const std::string secret = outside_ + "/secret";
  expectAllowed([&granted] { return errnoOf(open(granted.c_str(), O_RDONLY | O_CLOEXEC)); });
  expectRefused([&secret] { return errnoOf(open(secret.c_str(), O_RDONLY | O_CLOEXEC)); }, EACCES);
}

// A listed path that does not exist is skipped, not an error.
TEST_F(LandlockTest, MissingPathIsSkipped) {
  plan_.read_exec_paths.push_back(outside_ + "/missing");
  plan_.read_paths = {"/nonexistent-bastion"};
  expectAllowed([] { return 0; });
}

// Executing a program whose libraries are not granted fails; with them granted it runs.
TEST_F(LandlockTest, ExecuteNeedsReadExecGrant) {
  auto exec_true = [] {
    char arg0[] = "/bin/true";
    char* argv[] = {arg0, nullptr};
    char* envp[] = {nullptr};
    execve(arg0, argv, envp);
    return errno;
  };
  expectRefused(exec_true, EACCES);
  plan_.read_exec_paths = {"/usr", "/lib", "/lib64", "/bin", "/etc/ld.so.cache"};
  expectAllowed(exec_true);
}

// TCP connect to a listener on 127.0.0.1 is refused (ABI 4 handles it and nothing grants it).
TEST_F(LandlockTest, TcpConnectIsRefused) {
  if (abi_ < 4) {
    GTEST_SKIP() << "Landlock ABI " << abi_ << " has no network rules (needs 4)";
  }
  UniqueFd listener(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(bind(listener.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(listen(listener.get(), 8), 0);
  ASSERT_EQ(getsockname(listener.get(), reinterpret_cast<sockaddr*>(&addr), &len), 0);
  expectRefused(
      [&addr] {
        const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        return errnoOf(connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)));
      },
      EACCES);
}

// Binding a TCP port (a listener for a reverse shell) is refused.
TEST_F(LandlockTest, TcpBindIsRefused) {
  if (abi_ < 4) {
    GTEST_SKIP() << "Landlock ABI " << abi_ << " has no network rules (needs 4)";
  }
  expectRefused(
      [] {
        const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        return errnoOf(bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)));
      },
      EACCES);
}

// Signalling a process outside the sandbox (the server) is refused (ABI 6 signal scope).
TEST_F(LandlockTest, SignalToParentIsRefused) {
  if (abi_ < 6) {
    GTEST_SKIP() << "Landlock ABI " << abi_ << " has no signal scoping (needs 6)";
  }
  expectRefused([] { return errnoOf(kill(getppid(), 0)); }, EPERM);
}

// Connecting to an abstract unix socket outside the sandbox is refused (ABI 6 scope).
TEST_F(LandlockTest, AbstractUnixSocketOutsideIsRefused) {
  if (abi_ < 6) {
    GTEST_SKIP() << "Landlock ABI " << abi_ << " has no abstract-socket scoping (needs 6)";
  }
  UniqueFd listener(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string name = "bastion-ll-" + std::to_string(getpid());
  name.copy(addr.sun_path + 1, name.size());
  const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
  ASSERT_EQ(bind(listener.get(), reinterpret_cast<sockaddr*>(&addr), len), 0);
  ASSERT_EQ(listen(listener.get(), 8), 0);
  expectRefused(
      [&addr, len] {
        const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        return errnoOf(connect(fd, reinterpret_cast<const sockaddr*>(&addr), len));
      },
      EPERM);
}

// A plan without an ABI (Landlock unavailable) is not silently skipped.
TEST_F(LandlockTest, PlanWithoutAbiFails) {
  plan_.abi = 0;
  EXPECT_EQ(applyLandlock(plan_), ENOSYS);
}

}  // namespace
}  // namespace bastion::sandbox
