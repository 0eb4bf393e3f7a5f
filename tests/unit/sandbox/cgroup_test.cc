// The cgroup step: real memory and fork bombs in a group with limits, killAll on a sleeping
// group, and no directory left behind. Needs root and the controllers (CI has both); without
// them the tests skip with the reason.
#include "sandbox/cgroup.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/unique_fd.h"
#include "unit/sandbox/step_child.h"

namespace bastion::sandbox {
namespace {

using testing::ChildOutcome;
using testing::waitChild;

std::string readText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool pathExists(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0;
}

// Whether the kernel has `controller` enabled at all (/proc/cgroups, v1 and v2 alike).
bool kernelHasController(const std::string& controller) {
  std::istringstream lines(readText("/proc/cgroups"));
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string name, hierarchy, groups, enabled;
    if (fields >> name >> hierarchy >> groups >> enabled && name == controller) {
      return enabled == "1";
    }
  }
  return false;
}

// A child held at the start line until the parent has put it in the group. Runs body() then
// _exit(body()).
class HeldChild {
 public:
  template <class Body>
  explicit HeldChild(Body body) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
      return;
    }
    UniqueFd read_end(fds[0]);
    go_ = UniqueFd(fds[1]);
    pid_ = fork();
    if (pid_ == 0) {
      char byte = 0;
      if (read(read_end.get(), &byte, 1) != 1) {
        _exit(testing::kSetupFailed);
      }
      _exit(body());
    }
  }
  pid_t pid() const { return pid_; }
  void release() {
    const char byte = 1;
    (void)!write(go_.get(), &byte, 1);
    go_.reset();
  }
  ChildOutcome wait() { return waitChild(pid_); }

 private:
  UniqueFd go_;
  pid_t pid_ = -1;
};

// Reaps every orphan the test adopted as subreaper (all of them already killed).
void reapOrphans() {
  while (waitpid(-1, nullptr, 0) > 0 || errno == EINTR) {
  }
}

// Ends the test when requireController skipped or failed it.
#define REQUIRE_CONTROLLER(call)            \
  do {                                      \
    call;                                   \
    if (IsSkipped() || HasFatalFailure()) { \
      return;                               \
    }                                       \
  } while (0)

class CgroupTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); }

  // Skips when the host genuinely cannot limit `controller`; otherwise the probe must work.
  void requireController(const LayerStatus& status, const std::string& controller) {
    if (status.available) {
      return;
    }
    if (geteuid() != 0) {
      GTEST_SKIP() << "not root: " << status.detail;
    }
    if (!kernelHasController(controller)) {
      GTEST_SKIP() << "the kernel has no " << controller << " controller: " << status.detail;
    }
    FAIL() << "root and the kernel has " << controller << ", yet: " << status.detail;
  }

  void requireMemory() { requireController(probeCgroupMemory(), "memory"); }
  void requirePids() { requireController(probeCgroupPids(), "pids"); }
};

// A child body: maps and touches 64 MiB (exit 0), or exits with the mmap errno.
int touch64MiB() {
  const std::size_t size = std::size_t{64} << 20;
  void* memory = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) {
    return errno;
  }
  std::memset(memory, 0x5a, size);
  return 0;
}

// The probes say where limits work (or skip the suite's reason on hosts without them).
TEST_F(CgroupTest, ProbeReportsWhereLimitsWork) {
  const LayerStatus memory = probeCgroupMemory();
  const LayerStatus pids = probeCgroupPids();
  EXPECT_EQ(memory.layer, Layer::CgroupMemory);
  EXPECT_EQ(pids.layer, Layer::CgroupPids);
  REQUIRE_CONTROLLER(requireController(memory, "memory"));
  REQUIRE_CONTROLLER(requireController(pids, "pids"));
  EXPECT_NE(memory.detail.find("memory at /"), std::string::npos) << memory.detail;
  EXPECT_NE(pids.detail.find("pids at /"), std::string::npos) << pids.detail;
}

// No limits asked: nothing is created.
TEST_F(CgroupTest, NoLimitsCreateNoGroup) {
  auto cgroup = Cgroup::create(0, 0);
  ASSERT_TRUE(cgroup) << cgroup.error().message;
  EXPECT_TRUE(cgroup.value()->paths().empty());
}

// The limits asked for are the limits written.
TEST_F(CgroupTest, LimitsAreWritten) {
  REQUIRE_CONTROLLER(requireMemory());
  REQUIRE_CONTROLLER(requirePids());
  auto cgroup = Cgroup::create(std::uint64_t{16} << 20, 8);
  ASSERT_TRUE(cgroup) << cgroup.error().message;
  std::string memory_limit, pids_limit;
  for (const auto& dir : cgroup.value()->paths()) {
    if (pathExists(dir + "/memory.limit_in_bytes")) {
      memory_limit = readText(dir + "/memory.limit_in_bytes");
    } else if (pathExists(dir + "/memory.max")) {
      memory_limit = readText(dir + "/memory.max");
    }
    if (pathExists(dir + "/pids.max")) {
      pids_limit = readText(dir + "/pids.max");
    }
  }
  EXPECT_EQ(memory_limit, "16777216\n");
  EXPECT_EQ(pids_limit, "8\n");
}

// A memory bomb (64 MiB touched under a 16 MiB limit) is OOM-killed and reported as such.
TEST_F(CgroupTest, MemoryBombIsOomKilled) {
  REQUIRE_CONTROLLER(requireMemory());
  auto cgroup = Cgroup::create(std::uint64_t{16} << 20, 0);
  ASSERT_TRUE(cgroup) << cgroup.error().message;
  HeldChild child(touch64MiB);
  ASSERT_TRUE(cgroup.value()->add(child.pid()));
  child.release();
  const ChildOutcome outcome = child.wait();
  EXPECT_FALSE(outcome.exited) << "exit code " << outcome.exit_code;
  EXPECT_EQ(outcome.signal, SIGKILL);
  EXPECT_TRUE(cgroup.value()->memoryLimitHit());
  EXPECT_FALSE(cgroup.value()->pidsLimitHit());
}

// The same allocation under a roomy limit runs to completion and no limit is reported.
TEST_F(CgroupTest, AllocationWithinLimitIsNotReported) {
  REQUIRE_CONTROLLER(requireMemory());
  REQUIRE_CONTROLLER(requirePids());
  auto cgroup = Cgroup::create(std::uint64_t{256} << 20, 8);
  ASSERT_TRUE(cgroup) << cgroup.error().message;
  HeldChild child(touch64MiB);
  ASSERT_TRUE(cgroup.value()->add(child.pid()));
  child.release();
  const ChildOutcome outcome = child.wait();
  ASSERT_TRUE(outcome.exited) << "signal " << outcome.signal;
  EXPECT_EQ(outcome.exit_code, 0);
  EXPECT_FALSE(cgroup.value()->memoryLimitHit());
  EXPECT_FALSE(cgroup.value()->pidsLimitHit());
}

// A fork bomb under pids.max=8 gets EAGAIN after 7 children (the bomb itself is the 8th) and
// the limit is reported; killAll then ends the stranded children.
TEST_F(CgroupTest, ForkBombHitsPidsLimit) {
  REQUIRE_CONTROLLER(requirePids());
  auto cgroup = Cgroup::create(0, 8);
  ASSERT_TRUE(cgroup) << cgroup.error().message;
  HeldChild child([] {
    for (int forks = 0; forks < 64; ++forks) {
      const pid_t pid = fork();
      if (pid == 0) {
        for (;;) {
          pause();
        }
      }
      if (pid < 0) {
        return errno == EAGAIN ? forks : 100 + errno;
      }
    }
    return 99;  // never refused
  });
  ASSERT_TRUE(cgroup.value()->add(child.pid()));
  child.release();
  const ChildOutcome outcome = child.wait();
  ASSERT_TRUE(outcome.exited) << "signal " << outcome.signal;
  EXPECT_EQ(outcome.exit_code, 7);
  EXPECT_TRUE(cgroup.value()->pidsLimitHit());
  EXPECT_FALSE(cgroup.value()->memoryLimitHit());
  cgroup.value()->killAll();
  for (const auto& dir : cgroup.value()->paths()) {
    EXPECT_EQ(readText(dir + "/cgroup.procs"), "") << dir;
  }
  reapOrphans();
}

// killAll ends a sleeping group: the member and the child it forked both die of SIGKILL.
TEST_F(CgroupTest, KillAllKillsSleepingGroup) {
  REQUIRE_CONTROLLER(requirePids());
  auto cgroup = Cgroup::create(0, 16);
  ASSERT_TRUE(cgroup) << cgroup.error().message;
  int ready[2];
  ASSERT_EQ(pipe2(ready, O_CLOEXEC), 0);
  UniqueFd ready_read(ready[0]);
  UniqueFd ready_write(ready[1]);
  const int ready_fd = ready_write.get();
  HeldChild child([ready_fd] {
    const pid_t grandchild = fork();
    if (grandchild == 0) {
      for (;;) {
        pause();
      }
    }
    const char byte = 1;
    (void)!write(ready_fd, &byte, 1);
    for (;;) {
      pause();
    }
    return 0;
  });
  ready_write.reset();
  ASSERT_TRUE(cgroup.value()->add(child.pid()));
  child.release();
  char byte = 0;
  ASSERT_EQ(read(ready_read.get(), &byte, 1), 1);
  cgroup.value()->killAll();
  const ChildOutcome outcome = child.wait();
  EXPECT_EQ(outcome.signal, SIGKILL);
  int status = 0;
  const pid_t orphan = waitpid(-1, &status, 0);  // the grandchild, adopted by the test
  ASSERT_GT(orphan, 0);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

// Destroying the group kills what is left in it; its emptied directories wait in the pool and
// releasePooled() removes them (as exit does).
TEST_F(CgroupTest, DestructionKillsAndRemovesDirectories) {
  REQUIRE_CONTROLLER(requireMemory());
  REQUIRE_CONTROLLER(requirePids());
  auto cgroup = Cgroup::create(std::uint64_t{64} << 20, 16);
  ASSERT_TRUE(cgroup) << cgroup.error().message;
  const auto dirs = cgroup.value()->paths();
  ASSERT_FALSE(dirs.empty());
  HeldChild child([] {
    for (;;) {
      pause();
    }
    return 0;
  });
  ASSERT_TRUE(cgroup.value()->add(child.pid()));
  child.release();
  cgroup.value().reset();  // the member is still running (and then an unreaped zombie)
  Cgroup::releasePooled();
  for (const auto& dir : dirs) {
    EXPECT_FALSE(pathExists(dir)) << dir;
  }
  EXPECT_EQ(child.wait().signal, SIGKILL);
}

// The next run takes an emptied group from the pool: the same directory, the new limits
// written, and the limit checks start from zero although the earlier run hit both limits.
TEST_F(CgroupTest, ReusedGroupStartsWithNewLimitsAndCleanCounters) {
  REQUIRE_CONTROLLER(requireMemory());
  REQUIRE_CONTROLLER(requirePids());
  Cgroup::releasePooled();
  std::vector<std::string> first_dirs;
  {
    auto first = Cgroup::create(std::uint64_t{16} << 20, 8);
    ASSERT_TRUE(first) << first.error().message;
    first_dirs = first.value()->paths();
    HeldChild bomb(touch64MiB);
    ASSERT_TRUE(first.value()->add(bomb.pid()));
    bomb.release();
    EXPECT_EQ(bomb.wait().signal, SIGKILL);
    EXPECT_TRUE(first.value()->memoryLimitHit());
  }
  auto second = Cgroup::create(std::uint64_t{256} << 20, 32);  // raised: memsw lifted first
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(second.value()->paths(), first_dirs);
  EXPECT_FALSE(second.value()->memoryLimitHit());
  EXPECT_FALSE(second.value()->pidsLimitHit());
  for (const auto& dir : second.value()->paths()) {
    if (pathExists(dir + "/memory.limit_in_bytes")) {
      EXPECT_EQ(readText(dir + "/memory.limit_in_bytes"), std::to_string(256 << 20) + "\n");
    }
    if (pathExists(dir + "/pids.max")) {
      EXPECT_EQ(readText(dir + "/pids.max"), "32\n");
    }
  }
  second.value().reset();
  EXPECT_EQ(Cgroup::releasePooled(), first_dirs.size());
}

// A server killed without cleaning up leaves its run groups behind; a server making a new group
// beside them removes them (empty, named for a pid that no longer exists).
TEST_F(CgroupTest, GroupsLeftByADeadServerAreRemoved) {
  REQUIRE_CONTROLLER(requireMemory());
  int fds[2];
  ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
  const pid_t server = fork();
  ASSERT_GE(server, 0);
  if (server == 0) {
    auto left = Cgroup::create(std::uint64_t{16} << 20, 0);
    const std::string path = left ? left.value()->paths().front() : std::string();
    (void)!write(fds[1], path.data(), path.size());
    _exit(0);  // dies without destructors: the group stays
  }
  close(fds[1]);
  char buffer[512] = {};
  const ssize_t n = read(fds[0], buffer, sizeof buffer - 1);
  close(fds[0]);
  int status = 0;
  ASSERT_EQ(waitpid(server, &status, 0), server);
  ASSERT_GT(n, 0) << "the dying server could not create a group";
  const std::string left(buffer, static_cast<std::size_t>(n));
  ASSERT_TRUE(pathExists(left)) << left;
  Cgroup::releasePooled();  // (the probe's group is pooled: the next group must be a new one)
  auto ours = Cgroup::create(std::uint64_t{16} << 20, 0);
  ASSERT_TRUE(ours) << ours.error().message;
  EXPECT_FALSE(pathExists(left)) << left;
  EXPECT_NE(ours.value()->paths().front(), left);
}

// Without the privilege to create groups, a requested limit is refused, not silently dropped.
TEST_F(CgroupTest, UnprivilegedLimitIsLayerUnavailable) {
  REQUIRE_CONTROLLER(requireMemory());
  if (geteuid() != 0) {
    GTEST_SKIP() << "needs root to drop to an unprivileged user";
  }
  const ChildOutcome outcome = testing::runInChild(
      [] { return setresuid(65534, 65534, 65534) == 0 ? 0 : errno; },
      [] {
        auto cgroup = Cgroup::create(std::uint64_t{16} << 20, 0);
        if (cgroup) {
          return 1;
        }
        return cgroup.error().code == static_cast<int>(SandboxError::LayerUnavailable) ? 0 : 2;
      });
  ASSERT_TRUE(outcome.exited);
  EXPECT_EQ(outcome.exit_code, 0);
}

}  // namespace
}  // namespace bastion::sandbox
