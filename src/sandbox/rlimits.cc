// Resource limits: planned in the parent, applied in the child.
#include "sandbox/rlimits.h"

#include <algorithm>
#include <cerrno>
#include <cstdint>

namespace bastion::sandbox {
namespace {

constexpr std::uint64_t kMillisPerSecond = 1000;

RlimitSetting clamped(int resource, rlim_t wanted_soft, rlim_t wanted_hard) {
  rlimit current{};
  getrlimit(static_cast<__rlimit_resource>(resource), &current);
  RlimitSetting setting;
  setting.resource = resource;
  setting.value.rlim_max = std::min(wanted_hard, current.rlim_max);
  setting.value.rlim_cur = std::min(wanted_soft, setting.value.rlim_max);
  return setting;
}

}  // namespace

std::vector<RlimitSetting> planRlimits(const Limits& limits, bool cgroup_memory, rlim_t nproc) {
  auto cpu_ms = static_cast<std::uint64_t>(limits.cpu.count());
  rlim_t cpu_seconds = (cpu_ms + kMillisPerSecond - 1) / kMillisPerSecond;
  rlim_t address_space = cgroup_memory ? limits.memory_bytes * 2 : limits.memory_bytes;
  std::vector<RlimitSetting> settings{
      clamped(RLIMIT_CPU, cpu_seconds, cpu_seconds + 1),
      clamped(RLIMIT_AS, address_space, address_space),
      clamped(RLIMIT_FSIZE, limits.file_bytes, limits.file_bytes),
      clamped(RLIMIT_NOFILE, limits.open_files, limits.open_files),
      clamped(RLIMIT_CORE, 0, 0),
  };
  if (nproc != 0) {
    settings.push_back(clamped(RLIMIT_NPROC, nproc, nproc));
  }
  return settings;
}

int applyRlimits(const std::vector<RlimitSetting>& settings) noexcept {
  for (const RlimitSetting& s : settings) {
    if (setrlimit(static_cast<__rlimit_resource>(s.resource), &s.value) != 0) {
      return errno;
    }
  }
  return 0;
}

}  // namespace bastion::sandbox
