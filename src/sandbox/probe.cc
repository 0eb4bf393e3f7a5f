// probe(): which layers this host offers, found by trying each in a short-lived child through the
// same spawn path and child pipeline a run uses; checkPolicy(): a policy this host can honour.
#include <linux/sched.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <string>

#include "sandbox/cgroup.h"
#include "sandbox/host_layers.h"
#include "sandbox/landlock.h"
#include "sandbox/mount_plan.h"
#include "sandbox/policy_paths.h"
#include "sandbox/rlimits.h"
#include "sandbox/sandbox.h"
#include "sandbox/seccomp_filter.h"
#include "sandbox/spawn.h"

namespace bastion::sandbox {
namespace {

LayerStatus status(Layer layer, bool available, std::string detail) {
  return LayerStatus{layer, available, std::move(detail)};
}

// Runs `plan` (no command: the child stops after its last step) in a child with `flags`.
// Empty string: it worked; otherwise why not.
std::string tryInChild(ChildPlan plan, std::uint64_t flags) {
  auto child = spawnSandbox(plan, flags, {});
  if (!child) {
    return child.error().message;
  }
  auto ended = child.value().process.wait();
  std::vector<ChildReport> reports = readReports(child.value().reports.get());
  if (!reports.empty()) {
    auto step = static_cast<SetupStep>(reports.front().step);
    return std::string(stepName(step)) + ": " + std::strerror(reports.front().value);
  }
  if (!ended || ended.value().exit_code != 0) {
    return "the probe child did not exit cleanly";
  }
  return {};
}

LayerStatus probeNamespace(Layer layer, std::uint64_t flag, const char* detail) {
  std::string why = tryInChild(ChildPlan{}, flag);
  return why.empty() ? status(layer, true, detail) : status(layer, false, why);
}

// As a run makes it: unshare in the child, after "go".
LayerStatus probeCgroupNamespace() {
  ChildPlan plan;
  plan.cgroup_namespace = true;
  std::string why = tryInChild(std::move(plan), 0);
  return why.empty() ? status(Layer::CgroupNamespace, true, "cgroup namespace")
                     : status(Layer::CgroupNamespace, false, why);
}

LayerStatus probeUserNamespace() {
  if (runningAsRoot()) {
    // spawnSandbox adds a user namespace only when not root; try one explicitly.
    std::string why = tryInChild(ChildPlan{}, CLONE_NEWUSER);
    return status(Layer::UserNamespace, why.empty(),
                  why.empty() ? "user namespace available (not used: running as root)" : why);
  }
  return probeNamespace(Layer::UserNamespace, 0, "user namespace (uid/gid mapped to 65534)");
}

LayerStatus probeMounts() {
  auto mounts = planMounts(defaultReadOnlyPaths(), Limits{}, "/tmp");
  if (!mounts) {
    return status(Layer::MountNamespace, false, mounts.error().message);
  }
  ChildPlan plan;
  plan.mounts = std::move(mounts).value().ops;
  std::string why = tryInChild(std::move(plan), CLONE_NEWNS | CLONE_NEWPID);
  return why.empty()
             ? status(Layer::MountNamespace, true, "tmpfs root, pivot_root, /proc, /dev, /tmp")
             : status(Layer::MountNamespace, false, why);
}

LayerStatus probeNoNewPrivs() {
  ChildPlan plan;
  plan.drop_privileges = true;
  plan.clear_groups = runningAsRoot();
  plan.no_new_privs = true;
  std::string why = tryInChild(std::move(plan), 0);
  return why.empty() ? status(Layer::NoNewPrivs, true, "capabilities dropped, no_new_privs set")
                     : status(Layer::NoNewPrivs, false, why);
}

LayerStatus probeRlimits() {
  ChildPlan plan;
  plan.rlimits = planRlimits(Limits{}, false);
  std::string why = tryInChild(std::move(plan), 0);
  return why.empty() ? status(Layer::Rlimits, true, "cpu, as, fsize, nofile, core")
                     : status(Layer::Rlimits, false, why);
}

LayerStatus probeSeccomp() {
  auto program = buildSeccompFilter();
  if (!program) {
    return status(Layer::Seccomp, false, program.error().message);
  }
  ChildPlan plan;
  plan.no_new_privs = true;
  plan.seccomp = &program.value();
  std::string why = tryInChild(std::move(plan), 0);
  return why.empty() ? status(Layer::Seccomp, true,
                              "filter of " + std::to_string(program.value().instructions.size()) +
                                  " BPF instructions")
                     : status(Layer::Seccomp, false, why);
}

LayerStatus probeLandlock() {
  int abi = landlockAbi();
  if (abi <= 0) {
    return status(Layer::Landlock, false, "not supported by this kernel");
  }
  auto landlock = planLandlock({"/usr"});
  if (!landlock) {
    return status(Layer::Landlock, false, landlock.error().message);
  }
  ChildPlan plan;
  plan.no_new_privs = true;
  plan.landlock = &landlock.value();
  std::string why = tryInChild(std::move(plan), 0);
  return why.empty() ? status(Layer::Landlock, true, "landlock ABI " + std::to_string(abi))
                     : status(Layer::Landlock, false, why);
}

std::vector<LayerStatus> probeHost() {
  return {
      probeUserNamespace(),
      probeNamespace(Layer::PidNamespace, CLONE_NEWPID, "pid namespace"),
      probeMounts(),
      probeNamespace(Layer::NetNamespace, CLONE_NEWNET, "network namespace (no interface up)"),
      probeNamespace(Layer::IpcNamespace, CLONE_NEWIPC, "ipc namespace"),
      probeNamespace(Layer::UtsNamespace, CLONE_NEWUTS, "uts namespace"),
      probeCgroupNamespace(),
      probeNoNewPrivs(),
      probeSeccomp(),
      probeLandlock(),
      probeRlimits(),
      probeCgroupMemory(),
      probeCgroupPids(),
  };
}

const std::vector<LayerStatus>& cachedProbe() {
  static const std::vector<LayerStatus> cached = probeHost();  // thread-safe initialization
  return cached;
}

const LayerStatus* findLayer(Layer layer) {
  const auto& all = cachedProbe();
  auto it = std::find_if(all.begin(), all.end(),
                         [layer](const LayerStatus& s) { return s.layer == layer; });
  return it == all.end() ? nullptr : &*it;
}

// Bounds of a sane policy: each limit non-zero and below what any tool should ask for.
struct Bound {
  const char* name;
  std::uint64_t value;
  std::uint64_t min;
  std::uint64_t max;
};

constexpr std::uint64_t kMiB = std::uint64_t{1} << 20;
constexpr std::uint64_t kGiB = std::uint64_t{1} << 30;
constexpr std::uint64_t kDayMillis = 24ULL * 3600 * 1000;

Result<void> checkLimits(const Limits& l) {
  const std::array<Bound, 8> bounds{{
      {"memory", l.memory_bytes, kMiB, 1024 * kGiB},
      {"cpu", static_cast<std::uint64_t>(std::max<std::int64_t>(0, l.cpu.count())), 1, kDayMillis},
      {"timeout", static_cast<std::uint64_t>(std::max<std::int64_t>(0, l.timeout.count())), 1,
       kDayMillis},
      {"pids", l.pids, 1, 65536},
      {"output", l.output_bytes, 1, kGiB},
      {"tmp", l.tmp_bytes, 4096, 64 * kGiB},
      {"file size", l.file_bytes, 1, 1024 * kGiB},
      {"open files", l.open_files, 4, kMiB},
  }};
  for (const Bound& b : bounds) {
    if (b.value < b.min || b.value > b.max) {
      return Error(SandboxError::InvalidCommand,
                   std::string("sandbox limit '") + b.name + "' is " + std::to_string(b.value) +
                       "; it must be between " + std::to_string(b.min) + " and " +
                       std::to_string(b.max));
    }
  }
  return {};
}

Result<void> checkEnv(const std::vector<std::string>& env) {
  for (const std::string& entry : env) {
    std::size_t eq = entry.find('=');
    if (eq == 0 || eq == std::string::npos || entry.find('\0') != std::string::npos) {
      return Error(SandboxError::InvalidCommand,
                   "sandbox environment entries must be NAME=value without NUL bytes");
    }
  }
  return {};
}

Result<void> checkRequiredLayers(const std::vector<Layer>& required) {
  for (Layer layer : required) {
    if (layer == Layer::UserNamespace && runningAsRoot()) {
      continue;  // root needs no user namespace to set up the others
    }
    const LayerStatus* s = findLayer(layer);
    if (s == nullptr || !s->available) {
      return Error(SandboxError::LayerUnavailable,
                   "required sandbox layer '" + std::string(layerName(layer)) +
                       "' is unavailable on this host: " +
                       (s == nullptr ? std::string("not probed") : s->detail));
    }
  }
  return {};
}

}  // namespace

std::vector<LayerStatus> probe() { return cachedProbe(); }

bool hostHasLayer(Layer layer) {
  const LayerStatus* s = findLayer(layer);
  return s != nullptr && s->available;
}

Result<void> checkPolicy(const Policy& policy) {
  for (const std::string& path : policy.read_only_paths) {
    if (auto ok = checkReadOnlyPath(path); !ok) {
      return ok;
    }
  }
  if (auto ok = checkLimits(policy.limits); !ok) {
    return ok;
  }
  if (auto ok = checkEnv(policy.env); !ok) {
    return ok;
  }
  return checkRequiredLayers(policy.required);
}

}  // namespace bastion::sandbox
