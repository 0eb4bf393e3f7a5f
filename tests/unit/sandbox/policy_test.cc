// checkPolicy and the mount plan, without running anything: exact messages for every refusal,
// and the plan's order (the part of the sandbox that is pure planning).
#include <gtest/gtest.h>
#include <linux/sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string>

#include "sandbox/mount_plan.h"
#include "sandbox/policy_paths.h"
#include "sandbox/sandbox.h"

namespace bastion::sandbox {
namespace {

std::string refusal(const Policy& policy) {
  auto r = checkPolicy(policy);
  return r ? std::string("accepted") : r.error().message;
}

Policy withPath(std::string path) {
  Policy p;
  p.read_only_paths = {std::move(path)};
  return p;
}

// The default policy is accepted on this host (CI offers every default-required layer).
TEST(CheckPolicyTest, DefaultPolicyAccepted) { EXPECT_EQ(refusal(Policy{}), "accepted"); }

// Relative, dotted and non-normalized paths are refused.
TEST(CheckPolicyTest, RejectsPathTraversalSpellings) {
  for (const char* bad : {"usr", "/usr/../etc", "/usr/./lib", "//usr", "/usr/", "/"}) {
    EXPECT_EQ(refusal(withPath(bad)),
              "read-only path '" + std::string(bad) +
                  "' must be absolute and normalized (no '.', '..', '//' or trailing '/')");
  }
}

// The host's kernel views and devices are never bound.
TEST(CheckPolicyTest, RejectsProcSysDev) {
  EXPECT_EQ(refusal(withPath("/proc/1/root")),
            "read-only path '/proc/1/root' is inside /proc, which is never bound");
  EXPECT_EQ(refusal(withPath("/sys")),
            "read-only path '/sys' is inside /sys, which is never bound");
  EXPECT_EQ(refusal(withPath("/dev/sda")),
            "read-only path '/dev/sda' is inside /dev, which is never bound");
  EXPECT_EQ(refusal(withPath("/tmp")), "read-only path '/tmp' is the sandbox's own tmpfs");
}

// A missing path is refused at start, not at run time.
TEST(CheckPolicyTest, RejectsMissingPath) {
  EXPECT_EQ(refusal(withPath("/no/such/path")), "read-only path '/no/such/path' does not exist");
}

// A symlink among the parent directories could redirect the bind: refused.
TEST(CheckPolicyTest, RejectsSymlinkInParentDirectories) {
  char dir_template[] = "/tmp/bastion-policy-XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  std::string dir = dir_template;
  ASSERT_EQ(symlink("/etc", (dir + "/link").c_str()), 0);
  std::string message = refusal(withPath(dir + "/link/passwd"));
  std::string direct = refusal(withPath(dir + "/link"));  // the last component may be a link
  unlink((dir + "/link").c_str());
  rmdir(dir.c_str());
  EXPECT_EQ(message,
            "read-only path '" + dir + "/link/passwd' has a symlink among its parent directories");
  EXPECT_EQ(direct, "accepted");
}

// Every limit must be non-zero and bounded.
TEST(CheckPolicyTest, RejectsZeroAndHugeLimits) {
  Policy p;
  p.limits.memory_bytes = 0;
  EXPECT_EQ(refusal(p),
            "sandbox limit 'memory' is 0; it must be between 1048576 and "
            "1099511627776");
  p = Policy{};
  p.limits.timeout = std::chrono::milliseconds(0);
  EXPECT_EQ(refusal(p), "sandbox limit 'timeout' is 0; it must be between 1 and 86400000");
  p = Policy{};
  p.limits.pids = 0;
  EXPECT_EQ(refusal(p), "sandbox limit 'pids' is 0; it must be between 1 and 65536");
  p = Policy{};
  p.limits.open_files = 2;
  EXPECT_EQ(refusal(p), "sandbox limit 'open files' is 2; it must be between 4 and 1048576");
}

// Environment entries must be NAME=value.
TEST(CheckPolicyTest, RejectsMalformedEnv) {
  Policy p;
  p.env = {"NOEQUALS"};
  EXPECT_EQ(refusal(p), "sandbox environment entries must be NAME=value without NUL bytes");
  p.env = {"=value"};
  EXPECT_EQ(refusal(p), "sandbox environment entries must be NAME=value without NUL bytes");
}

// A required layer the host lacks is refused with its name and the probe's reason; a layer the
// host has passes. (Which layers are missing differs by host: this uses the probe's own answer.)
TEST(CheckPolicyTest, RequiredLayerMustBeAvailable) {
  for (const LayerStatus& s : probe()) {
    Policy p;
    p.required = {s.layer};
    auto r = checkPolicy(p);
    bool user_ns_as_root = s.layer == Layer::UserNamespace && geteuid() == 0;
    if (s.available || user_ns_as_root) {
      EXPECT_TRUE(r) << layerName(s.layer);
    } else {
      ASSERT_FALSE(r);
      EXPECT_EQ(r.error().code, static_cast<int>(SandboxError::LayerUnavailable));
      EXPECT_EQ(r.error().message, "required sandbox layer '" + std::string(layerName(s.layer)) +
                                       "' is unavailable on this host: " + s.detail);
    }
  }
}

// The probe answers for every layer, once, in allLayers() order.
TEST(ProbeTest, ReportsEveryLayer) {
  auto statuses = probe();
  std::vector<Layer> layers;
  for (const auto& s : statuses) {
    layers.push_back(s.layer);
    EXPECT_FALSE(s.detail.empty()) << layerName(s.layer);
  }
  EXPECT_EQ(layers, allLayers());
}

// Nested and duplicate paths collapse into the outermost; "/usr-x" is not inside "/usr".
TEST(PolicyPathsTest, EffectivePathsDropCoveredOnes) {
  Policy p;
  p.default_paths = false;
  p.read_only_paths = {"/usr/lib", "/usr", "/usr", "/usr-x", "/etc/passwd"};
  EXPECT_EQ(effectiveReadOnlyPaths(p), (std::vector<std::string>{"/etc/passwd", "/usr", "/usr-x"}));
}

// The plan's order: private mounts, new root, pivot, system mounts, binds, old root gone,
// root read-only, chdir last. /proc is mounted while the old root is still attached.
TEST(MountPlanTest, StepsInOrder) {
  auto plan = planMounts({"/usr", "/etc/passwd"}, Limits{}, "/tmp");
  ASSERT_TRUE(plan);
  const auto& ops = plan.value().ops;
  auto index = [&](MountOp::Kind kind, const std::string& target) {
    auto it = std::find_if(ops.begin(), ops.end(), [&](const MountOp& op) {
      return op.kind == kind && op.target == target;
    });
    return it == ops.end() ? -1 : static_cast<int>(it - ops.begin());
  };
  EXPECT_EQ(ops.front().flags, static_cast<unsigned long>(MS_REC | MS_PRIVATE));
  int pivot = index(MountOp::Kind::PivotRoot, "/tmp/.old-root");
  int proc = index(MountOp::Kind::Mount, "/proc");
  int bind = index(MountOp::Kind::Mount, "/usr");
  int detach = index(MountOp::Kind::Unmount, "/.old-root");
  ASSERT_GE(pivot, 0);
  EXPECT_LT(pivot, proc);
  EXPECT_LT(proc, detach);
  EXPECT_LT(bind, detach);
  EXPECT_EQ(ops.back().kind, MountOp::Kind::Chdir);
  EXPECT_EQ(ops.back().target, "/tmp");
  EXPECT_EQ(ops[static_cast<std::size_t>(bind)].source, "/.old-root/usr");
  // The bind's remount is read-only, nosuid, nodev.
  const MountOp& remount = ops[static_cast<std::size_t>(bind) + 1];
  EXPECT_EQ(remount.target, "/usr");
  EXPECT_NE(remount.flags & MS_RDONLY, 0U);
  EXPECT_NE(remount.flags & MS_NOSUID, 0U);
  EXPECT_NE(remount.flags & MS_NODEV, 0U);
  EXPECT_NE(remount.flags & MS_REMOUNT, 0U);
  EXPECT_EQ(plan.value().read_exec_paths, (std::vector<std::string>{"/usr", "/etc/passwd"}));
}

// /tmp is a tmpfs of exactly limits.tmp_bytes, nosuid and nodev.
TEST(MountPlanTest, TmpIsSizeCapped) {
  Limits limits;
  limits.tmp_bytes = 12345678;
  auto plan = planMounts({}, limits, "/tmp");
  ASSERT_TRUE(plan);
  const auto& ops = plan.value().ops;
  auto it = std::find_if(ops.begin(), ops.end(), [](const MountOp& op) {
    return op.kind == MountOp::Kind::Mount && op.target == "/tmp" && op.fstype == "tmpfs" &&
           op.step == SetupStep::MountTmp;
  });
  ASSERT_NE(it, ops.end());
  EXPECT_EQ(it->data, "mode=1777,size=12345678");
  EXPECT_NE(it->flags & MS_NOSUID, 0U);
  EXPECT_NE(it->flags & MS_NODEV, 0U);
}

// A symlinked default such as /bin -> usr/bin is recreated, never bound through.
TEST(MountPlanTest, SymlinksAreRecreated) {
  char dir_template[] = "/tmp/bastion-plan-XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  std::string link = std::string(dir_template) + "/l";
  ASSERT_EQ(symlink("target/elsewhere", link.c_str()), 0);
  auto plan = planMounts({link}, Limits{}, "/tmp");
  unlink(link.c_str());
  rmdir(dir_template);
  ASSERT_TRUE(plan);
  const auto& ops = plan.value().ops;
  auto it =
      std::find_if(ops.begin(), ops.end(), [&](const MountOp& op) { return op.target == link; });
  ASSERT_NE(it, ops.end());
  EXPECT_EQ(it->kind, MountOp::Kind::Symlink);
  EXPECT_EQ(it->source, "target/elsewhere");
  EXPECT_TRUE(plan.value().read_exec_paths.empty());
}

}  // namespace
}  // namespace bastion::sandbox
