#pragma once
// Bastion's own process sandbox: runs one command contained by every layer the host offers and
// the policy requires, and reports what happened. No daemon, no shell, no container runtime.
//
// Layers (each one a step of the launcher pipeline, see sandbox/launcher.cc):
//   user namespace (when not root), pid, mount, net, ipc, uts and cgroup namespaces; a new root
//   on tmpfs holding read-only binds of only the declared paths, a fresh /proc, a minimal /dev
//   (null, zero, urandom), /tmp as a size-capped tmpfs (the working directory); a network
//   namespace with only a downed loopback; every capability dropped and PR_SET_NO_NEW_PRIVS; a
//   default-deny-dangerous seccomp filter that checks the architecture first; Landlock rules
//   matching the mounts; rlimits (CPU, address space, file size, open files, core = 0); memory
//   and process-count limits through cgroups where the host offers them; a wall-clock timeout
//   that kills the whole pid namespace; an environment that holds only what the policy lists.
//
// No silent downgrade: a layer in Policy::required that the host lacks makes run() (and
// Launcher::create) fail with Error naming the layer and the reason. The server never runs a
// command with less protection than configured.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace bastion::sandbox {

// One containment layer. probe() reports each; Policy::required lists those that must work.
enum class Layer {
  UserNamespace,  // needed only when not root
  PidNamespace,
  MountNamespace,  // includes the tmpfs root, pivot_root, fresh /proc, minimal /dev
  NetNamespace,
  IpcNamespace,
  UtsNamespace,
  CgroupNamespace,
  NoNewPrivs,  // with all capabilities dropped
  Seccomp,
  Landlock,
  Rlimits,
  CgroupMemory,  // memory limit (cgroup v1 memory or v2 memory.max)
  CgroupPids,    // process-count limit (cgroup v1 pids or v2 pids.max)
};

std::string_view layerName(Layer layer);  // "user-namespace", "seccomp", "cgroup-memory", ...
std::optional<Layer> layerFromName(std::string_view name);
std::vector<Layer> allLayers();

struct LayerStatus {
  Layer layer;
  bool available = false;
  std::string detail;  // "landlock ABI 7", "cgroup v1 memory at /sys/fs/cgroup/memory", or why not
};

// What this host offers, found by trying each layer in a short-lived child (no side effects
// left behind). `bastion sandbox probe` prints it.
[[nodiscard]] std::vector<LayerStatus> probe();

struct Limits {
  std::uint64_t memory_bytes = std::uint64_t{256} << 20;  // cgroup memory; RLIMIT_AS backstop
  std::chrono::milliseconds cpu{5'000};                   // RLIMIT_CPU (rounded up to seconds)
  std::chrono::milliseconds timeout{30'000};              // wall clock, kills the pid namespace
  std::uint32_t pids = 64;                                // cgroup pids
  std::uint64_t output_bytes = std::uint64_t{1} << 20;    // per stream; the rest is discarded
  std::uint64_t tmp_bytes = std::uint64_t{64} << 20;      // size of the /tmp tmpfs
  std::uint64_t file_bytes = std::uint64_t{64} << 20;     // RLIMIT_FSIZE
  std::uint32_t open_files = 256;                         // RLIMIT_NOFILE
};

struct Policy {
  // Host paths bound read-only at the same place inside. Empty = the defaults: /usr, /lib,
  // /lib64, /bin, /sbin (those that exist) and /etc essentials (ld.so.cache, ld.so.conf(.d),
  // passwd, group, nsswitch.conf, localtime, alternatives). Never /proc, /sys, /dev, /home,
  // /root, /run, /var.
  std::vector<std::string> read_only_paths;
  bool default_paths = true;  // add the defaults above to read_only_paths
  // The child's whole environment ("NAME=value"); nothing is inherited from the server.
  std::vector<std::string> env{"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/tmp", "LANG=C.UTF-8"};
  Limits limits;
  // Layers that must work. Default: every layer except UserNamespace (not needed as root) and
  // the cgroup limits (hosts differ; a tool that sets memory/pids requires them explicitly).
  std::vector<Layer> required{Layer::PidNamespace, Layer::MountNamespace, Layer::NetNamespace,
                              Layer::IpcNamespace, Layer::UtsNamespace,   Layer::CgroupNamespace,
                              Layer::NoNewPrivs,   Layer::Seccomp,        Layer::Landlock,
                              Layer::Rlimits};
};

struct Command {
  std::vector<std::string> argv;  // argv[0] is an absolute path inside the sandbox; no shell
  std::string stdin_data;         // written to the child's stdin, then closed
  std::string cwd = "/tmp";       // inside the sandbox
};

// Which limit ended or truncated the run, if any.
enum class LimitHit { None, Timeout, Cpu, Memory, Pids, Output, FileSize, Cancelled };
std::string_view limitName(LimitHit hit);  // "none", "timeout", "cpu", "memory", ...

struct RunResult {
  std::string stdout_data;
  std::string stderr_data;
  bool stdout_truncated = false;
  bool stderr_truncated = false;
  std::optional<int> exit_code;  // set when the command exited
  std::optional<int> signal;     // set when it was killed by a signal
  std::chrono::microseconds duration{0};
  LimitHit limit = LimitHit::None;
};

enum class SandboxError {
  LayerUnavailable = 1,  // a required layer is missing on this host (message names it)
  SetupFailed,           // the child failed before exec (message names the step and errno)
  ExecFailed,            // execve failed inside the sandbox (e.g. command not found)
  InvalidCommand,        // empty argv, relative argv[0], NUL bytes, bad cwd; or an invalid
                         // policy (bad read-only path, limit out of bounds, bad env entry)
  SystemError,           // the parent side failed (clone, pipe, poll)
};

struct RunOptions {
  // Polled while the child runs; returning true kills the sandbox (LimitHit::Cancelled).
  std::function<bool()> cancelled;
};

// The process-launcher seam (STYLE.md): tools hold a Launcher, tests may replace it.
class Launcher {
 public:
  virtual ~Launcher() = default;
  // Runs one command to completion (blocking; call it from a worker thread). Thread-safe.
  // Every child is killed and reaped before run() returns, whatever happens.
  [[nodiscard]] virtual Result<RunResult> run(const Command& command, const Policy& policy,
                                              const RunOptions& options = {}) = 0;

  // The real launcher (clone into namespaces, pivot_root, seccomp, Landlock, ...).
  [[nodiscard]] static Result<std::unique_ptr<Launcher>> create();
};

// At start: every layer `policy.required` names works on this host (probe() results are
// cached for the process), and the policy itself is sane (paths absolute and existing, limits
// non-zero and within bounds). The error names the first missing layer and why.
[[nodiscard]] Result<void> checkPolicy(const Policy& policy);

}  // namespace bastion::sandbox
