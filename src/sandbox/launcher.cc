// The real Launcher: checks, plans everything the child needs, clones it into its namespaces,
// feeds and drains it under the limits, reaps it and says what happened. The child's side is
// child_main.cc; the order of its steps is documented there and in docs/sandbox.md.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <memory>
#include <optional>
#include <string>

#include "sandbox/cgroup.h"
#include "sandbox/child_main.h"
#include "sandbox/host_layers.h"
#include "sandbox/io_pump.h"
#include "sandbox/landlock.h"
#include "sandbox/mount_plan.h"
#include "sandbox/policy_paths.h"
#include "sandbox/rlimits.h"
#include "sandbox/sandbox.h"
#include "sandbox/seccomp_filter.h"
#include "sandbox/spawn.h"

namespace bastion::sandbox {
namespace {

using Clock = std::chrono::steady_clock;
constexpr const char* kHostname = "sandbox";
constexpr std::int64_t kMicrosPerSecond = 1'000'000;

// The layers without which the launcher cannot run at all (the rest are applied when the host
// offers them and refused by checkPolicy when required but missing).
constexpr std::array<Layer, 9> kSkeleton{
    Layer::PidNamespace, Layer::MountNamespace, Layer::NetNamespace,
    Layer::IpcNamespace, Layer::UtsNamespace,   Layer::CgroupNamespace,
    Layer::NoNewPrivs,   Layer::Rlimits,        Layer::UserNamespace};

Error invalidCommand(const std::string& why) {
  return Error(SandboxError::InvalidCommand, "invalid command: " + why);
}

bool hasNul(const std::string& s) { return s.find('\0') != std::string::npos; }

Result<void> checkCommand(const Command& command) {
  if (command.argv.empty()) {
    return invalidCommand("empty argv");
  }
  if (command.argv.front().empty() || command.argv.front().front() != '/') {
    return invalidCommand("argv[0] must be an absolute path inside the sandbox");
  }
  if (std::any_of(command.argv.begin(), command.argv.end(), hasNul)) {
    return invalidCommand("NUL byte in an argument");
  }
  if (command.cwd.empty() || command.cwd.front() != '/' || hasNul(command.cwd)) {
    return invalidCommand("the working directory must be an absolute path inside the sandbox");
  }
  return {};
}

// Everything the child reads, built before clone, kept alive (and unmoved) until it is reaped.
struct PreparedRun {
  std::vector<std::string> argv;
  std::vector<std::string> envp;
  MountPlan mounts;
  LandlockPlan landlock;
  ChildPlan child;
  std::uint64_t cgroup_memory = 0;
  std::uint32_t cgroup_pids = 0;
};

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (std::string& s : strings) {
    out.push_back(s.data());
  }
  out.push_back(nullptr);
  return out;
}

Result<std::unique_ptr<PreparedRun>> prepare(const Command& command, const Policy& policy,
                                             const SeccompProgram& seccomp) {
  auto run = std::make_unique<PreparedRun>();
  auto mounts = planMounts(effectiveReadOnlyPaths(policy), policy.limits, command.cwd);
  if (!mounts) {
    return mounts.error();
  }
  run->mounts = std::move(mounts).value();
  if (hostHasLayer(Layer::Landlock)) {
    auto landlock = planLandlock(run->mounts.read_exec_paths);
    if (!landlock) {
      return landlock.error();
    }
    run->landlock = std::move(landlock).value();
    run->child.landlock = &run->landlock;
  }
  // The cgroup limits apply when the host offers them; checkPolicy refused a run that requires
  // one the host lacks. Our pid 1 counts against the pids limit: one more for it.
  run->cgroup_memory = hostHasLayer(Layer::CgroupMemory) ? policy.limits.memory_bytes : 0;
  run->cgroup_pids = hostHasLayer(Layer::CgroupPids) ? policy.limits.pids + 1 : 0;
  run->argv = command.argv;
  run->envp = policy.env;
  ChildPlan& child = run->child;
  child.cgroup_namespace = true;
  child.mounts = run->mounts.ops;
  child.hostname = kHostname;
  // Not root: the run has its own user namespace, where RLIMIT_NPROC counts only its processes
  // (pid 1 included), so a fork bomb stops there even without cgroups.
  const rlim_t nproc = runningAsRoot() ? 0 : rlim_t{policy.limits.pids} + 1;
  child.rlimits = planRlimits(policy.limits, run->cgroup_memory != 0, nproc);
  child.drop_privileges = true;
  child.clear_groups = runningAsRoot();
  child.no_new_privs = true;
  child.seccomp = hostHasLayer(Layer::Seccomp) ? &seccomp : nullptr;
  child.argv = pointers(run->argv);
  child.envp = pointers(run->envp);
  return run;
}

Result<std::unique_ptr<Cgroup>> makeCgroup(const PreparedRun& run) {
  if (run.cgroup_memory == 0 && run.cgroup_pids == 0) {
    return std::unique_ptr<Cgroup>();
  }
  return Cgroup::create(run.cgroup_memory, run.cgroup_pids);
}

struct StdioPipes {
  PumpIo parent;  // our ends
  UniqueFd in_read, out_write, err_write;
};

Result<StdioPipes> makeStdio() {
  StdioPipes p;
  std::array<UniqueFd*, 6> ends{&p.in_read,   &p.parent.stdin_write, &p.parent.stdout_read,
                                &p.out_write, &p.parent.stderr_read, &p.err_write};
  for (std::size_t i = 0; i < ends.size(); i += 2) {
    auto pipe = makePipe();
    if (!pipe) {
      return pipe.error();
    }
    *ends[i] = std::move(pipe.value().read);
    *ends[i + 1] = std::move(pipe.value().write);
  }
  return p;
}

// The first failure the child reported, as the caller's error.
std::optional<Error> setupFailure(const std::vector<ChildReport>& reports) {
  for (const ChildReport& r : reports) {
    auto step = static_cast<SetupStep>(r.step);
    if (step == SetupStep::CommandEnded) {
      continue;
    }
    if (step == SetupStep::Exec) {
      return Error(SandboxError::ExecFailed,
                   std::string("sandbox could not execute the command: ") + std::strerror(r.value));
    }
    return Error(
        SandboxError::SetupFailed,
        "sandbox setup failed at " + std::string(stepName(step)) + ": " + std::strerror(r.value));
  }
  return std::nullopt;
}

const ChildReport* commandEnded(const std::vector<ChildReport>& reports) {
  for (const ChildReport& r : reports) {
    if (static_cast<SetupStep>(r.step) == SetupStep::CommandEnded) {
      return &r;
    }
  }
  return nullptr;
}

rlim_t cpuSoftSeconds(const PreparedRun& run) {
  for (const RlimitSetting& s : run.child.rlimits) {
    if (s.resource == RLIMIT_CPU) {
      return s.value.rlim_cur;
    }
  }
  return RLIM_INFINITY;
}

// Which limit ended or cut the run, most specific first.
LimitHit whichLimit(const RunResult& r, LimitHit stopped, const Cgroup* cgroup, std::int64_t cpu_us,
                    rlim_t cpu_soft_seconds) {
  if (stopped != LimitHit::None) {
    return stopped;
  }
  if (cgroup != nullptr && cgroup->memoryLimitHit()) {
    return LimitHit::Memory;
  }
  if (cgroup != nullptr && cgroup->pidsLimitHit()) {
    return LimitHit::Pids;
  }
  const bool cpu_spent = cpu_soft_seconds != RLIM_INFINITY &&
                         cpu_us >= static_cast<std::int64_t>(cpu_soft_seconds) * kMicrosPerSecond;
  if (r.signal == SIGXCPU || (r.signal == SIGKILL && cpu_spent)) {
    return LimitHit::Cpu;
  }
  if (r.signal == SIGXFSZ) {
    return LimitHit::FileSize;
  }
  if (r.stdout_truncated || r.stderr_truncated) {
    return LimitHit::Output;
  }
  return LimitHit::None;
}

// What the parent saw of one sandbox, from clone to reap.
struct Finished {
  PumpResult io;
  ExitStatus pid1;
  std::vector<ChildReport> reports;
  std::chrono::microseconds duration{0};
};

// Clones the sandbox, feeds and drains it under the limits, reaps it. The child never outlives
// this function (ChildProcess kills and reaps on every return path).
Result<Finished> execute(PreparedRun& run, Cgroup* group, StdioPipes& pipes, const Command& command,
                         const Limits& limits, const RunOptions& options) {
  run.child.stdin_fd = pipes.in_read.get();
  run.child.stdout_fd = pipes.out_write.get();
  run.child.stderr_fd = pipes.err_write.get();
  const Clock::time_point started = Clock::now();
  auto spawned = spawnSandbox(run.child, kSandboxNamespaces, [group](pid_t pid) -> Result<void> {
    return group != nullptr ? group->add(pid) : Result<void>{};
  });
  if (!spawned) {
    return spawned.error();
  }
  SandboxChild& child = spawned.value();
  pipes.in_read.reset();  // the child holds its own copies
  pipes.out_write.reset();
  pipes.err_write.reset();
  auto pumped = pumpUntilExit(child.process, std::move(pipes.parent), command.stdin_data,
                              limits.output_bytes, started + limits.timeout, options.cancelled);
  if (group != nullptr && (!pumped || pumped.value().stopped != LimitHit::None)) {
    group->killAll();
  }
  auto status = child.process.wait();
  if (!pumped || !status) {
    return !pumped ? pumped.error() : status.error();
  }
  return Finished{std::move(pumped).value(), status.value(), readReports(child.reports.get()),
                  std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started)};
}

Result<RunResult> toRunResult(Finished& done, const Cgroup* group, rlim_t cpu_soft_seconds) {
  if (auto failure = setupFailure(done.reports)) {
    return *failure;
  }
  RunResult result;
  result.stdout_data = std::move(done.io.out.data);
  result.stderr_data = std::move(done.io.err.data);
  result.stdout_truncated = done.io.out.truncated;
  result.stderr_truncated = done.io.err.truncated;
  result.duration = done.duration;
  std::int64_t cpu_us = 0;
  if (const ChildReport* ended = commandEnded(done.reports)) {
    cpu_us = ended->detail;
    if (WIFEXITED(ended->value)) {
      result.exit_code = WEXITSTATUS(ended->value);
    } else {
      result.signal = WTERMSIG(ended->value);
    }
  } else if (done.pid1.signal) {
    result.signal = done.pid1.signal;  // pid 1 itself was killed (timeout, cancel, OOM)
  } else {
    return Error(SandboxError::SetupFailed,
                 "sandbox setup failed: the sandbox ended without a report (exit code " +
                     std::to_string(done.pid1.exit_code.value_or(-1)) + ")");
  }
  result.limit = whichLimit(result, done.io.stopped, group, cpu_us, cpu_soft_seconds);
  return result;
}

class SandboxLauncher final : public Launcher {
 public:
  explicit SandboxLauncher(SeccompProgram seccomp) : seccomp_(std::move(seccomp)) {}

  Result<RunResult> run(const Command& command, const Policy& policy,
                        const RunOptions& options) override {
    if (auto ok = checkCommand(command); !ok) {
      return ok.error();
    }
    if (auto ok = checkPolicy(policy); !ok) {
      return ok.error();
    }
    auto prepared = prepare(command, policy, seccomp_);
    if (!prepared) {
      return prepared.error();
    }
    PreparedRun& run = *prepared.value();
    auto cgroup = makeCgroup(run);  // declared first: destroyed after the child is reaped
    auto stdio = makeStdio();
    if (!cgroup || !stdio) {
      return !cgroup ? cgroup.error() : stdio.error();
    }
    Cgroup* group = cgroup.value().get();
    auto done = execute(run, group, stdio.value(), command, policy.limits, options);
    if (!done) {
      return done.error();
    }
    return toRunResult(done.value(), group, cpuSoftSeconds(run));
  }

 private:
  const SeccompProgram seccomp_;  // immutable after create: shared by concurrent runs
};

}  // namespace

Result<std::unique_ptr<Launcher>> Launcher::create() {
  for (Layer layer : kSkeleton) {
    if (layer == Layer::UserNamespace && runningAsRoot()) {
      continue;
    }
    if (!hostHasLayer(layer)) {
      return Error(SandboxError::LayerUnavailable,
                   "the sandbox needs " + std::string(layerName(layer)) +
                       ", which this host does not offer (see `bastion sandbox probe`)");
    }
  }
  auto seccomp = buildSeccompFilter();
  if (!seccomp) {
    return seccomp.error();
  }
  return std::unique_ptr<Launcher>(new SandboxLauncher(std::move(seccomp).value()));
}

}  // namespace bastion::sandbox
