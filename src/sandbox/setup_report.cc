// Names of the child pipeline's steps, and the child's one write of a report.
#include "sandbox/setup_report.h"

#include <unistd.h>

#include <array>
#include <cerrno>
#include <utility>

namespace bastion::sandbox {
namespace {

constexpr std::array<std::pair<SetupStep, std::string_view>, 30> kStepNames{{
    {SetupStep::Stdio, "stdio"},
    {SetupStep::CloseFds, "close-fds"},
    {SetupStep::ParentDeathSignal, "parent-death-signal"},
    {SetupStep::WaitForGo, "wait-for-parent"},
    {SetupStep::NotDumpable, "not-dumpable"},
    {SetupStep::CgroupNamespace, "cgroup-namespace"},
    {SetupStep::MakeMountsPrivate, "make-mounts-private"},
    {SetupStep::MountRoot, "mount-root-tmpfs"},
    {SetupStep::PivotRoot, "pivot-root"},
    {SetupStep::MakeDir, "make-directory"},
    {SetupStep::MakeMountPoint, "make-mount-point"},
    {SetupStep::Symlink, "symlink"},
    {SetupStep::BindMount, "bind-mount"},
    {SetupStep::RemountReadOnly, "remount-read-only"},
    {SetupStep::MountTmp, "mount-tmp"},
    {SetupStep::MountProc, "mount-proc"},
    {SetupStep::MountDev, "mount-dev"},
    {SetupStep::UnmountOldRoot, "unmount-old-root"},
    {SetupStep::Chdir, "chdir"},
    {SetupStep::Hostname, "hostname"},
    {SetupStep::Rlimits, "rlimits"},
    {SetupStep::DropBoundingSet, "drop-bounding-set"},
    {SetupStep::SwitchIdentity, "switch-identity"},
    {SetupStep::DropCapabilities, "drop-capabilities"},
    {SetupStep::NoNewPrivs, "no-new-privs"},
    {SetupStep::Landlock, "landlock"},
    {SetupStep::Seccomp, "seccomp"},
    {SetupStep::Fork, "fork"},
    {SetupStep::Exec, "exec"},
    {SetupStep::CommandEnded, "command-ended"},
}};

}  // namespace

std::string_view stepName(SetupStep step) {
  for (const auto& [s, name] : kStepNames) {
    if (s == step) {
      return name;
    }
  }
  return "unknown-step";
}

void writeReport(int fd, SetupStep step, int value, std::int64_t detail) noexcept {
  ChildReport report;
  report.step = static_cast<std::int32_t>(step);
  report.value = value;
  report.detail = detail;
  ssize_t written = 0;
  do {
    written = ::write(fd, &report, sizeof(report));
  } while (written < 0 && errno == EINTR);
}

}  // namespace bastion::sandbox
