#pragma once
// Memory and process-count limits through cgroups, where the host offers them: cgroup v1
// `memory` and `pids` hierarchies (when root), or v2 with `memory.max` / `pids.max` in a
// delegated subtree. One Cgroup per run: created before the child execs, the child added by the
// parent while the child waits on its start pipe, killed and removed when the run ends.

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "sandbox/sandbox.h"

namespace bastion::sandbox {

// What the host offers (probe): whether memory and pids limits can be set, and where.
LayerStatus probeCgroupMemory();
LayerStatus probeCgroupPids();

class Cgroup {
 public:
  // Kills what is left in the group; an emptied group is kept for the next create() (a small
  // pool: creating and removing a memory group costs more than the rest of a run's cgroup work
  // and is the slowest step of a run's end), any other is removed.
  virtual ~Cgroup() = default;

  // Moves a process into the group(s). Called by the parent before the child may exec.
  [[nodiscard]] virtual Result<void> add(pid_t pid) = 0;
  // After the run: did the memory limit fire (an OOM kill in the group; memory.failcnt only on
  // kernels before 4.13), did the pids limit refuse a fork?
  virtual bool memoryLimitHit() const = 0;
  virtual bool pidsLimitHit() const = 0;
  // Kills every process in the group (SIGKILL) and returns once the group is empty (bounded,
  // about two seconds), for the timeout path.
  virtual void killAll() = 0;
  // The group's directories (one per v1 hierarchy, one in v2), for diagnostics and tests.
  virtual std::vector<std::string> paths() const = 0;

  // memory_bytes == 0 or pids == 0 leaves that limit unset. Fails when a limit is asked for and
  // the host cannot enforce it (the message says which and why).
  [[nodiscard]] static Result<std::unique_ptr<Cgroup>> create(std::uint64_t memory_bytes,
                                                              std::uint32_t pids);

  // Removes the pooled groups (also done at exit). Returns how many were removed.
  static std::size_t releasePooled();
};

}  // namespace bastion::sandbox
