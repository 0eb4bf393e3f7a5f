#pragma once
// What the sandbox's pid 1 tells the parent over its close-on-exec report pipe: either the step
// of the pipeline that failed and its errno, or (when the command ran) the command's wait
// status and CPU time. Records are fixed-size and smaller than PIPE_BUF, so each write is atomic.

#include <cstdint>
#include <string_view>

namespace bastion::sandbox {

// The steps of the child pipeline, in order (see child_main.cc). Names appear in errors.
enum class SetupStep : std::int32_t {
  Stdio = 1,
  CloseFds,
  ParentDeathSignal,
  WaitForGo,
  NotDumpable,
  CgroupNamespace,
  MakeMountsPrivate,
  MountRoot,
  PivotRoot,
  MakeDir,
  MakeMountPoint,
  Symlink,
  BindMount,
  RemountReadOnly,
  MountTmp,
  MountProc,
  MountDev,
  UnmountOldRoot,
  Chdir,
  Hostname,
  Rlimits,
  DropBoundingSet,
  SwitchIdentity,
  DropCapabilities,
  NoNewPrivs,
  Landlock,
  Seccomp,
  Fork,
  Exec,
  // Not a failure: the command ended; value = wait status, detail = CPU time in microseconds.
  CommandEnded,
};

std::string_view stepName(SetupStep step);  // "pivot-root", "seccomp", "exec", ...

struct ChildReport {
  std::int32_t step = 0;   // a SetupStep
  std::int32_t value = 0;  // errno, or the wait status for CommandEnded
  std::int64_t detail = 0;
};

// Child side, async-signal-safe: one write(2) of the record (errors ignored: the parent treats
// a missing report as a setup failure).
void writeReport(int fd, SetupStep step, int value, std::int64_t detail = 0) noexcept;

}  // namespace bastion::sandbox
