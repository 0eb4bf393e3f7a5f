#pragma once
// Where the sandbox may create cgroups, and the small file helpers its cgroup step uses.
//
// A controller is looked up first as a cgroup v1 hierarchy (hybrid hosts such as this
// project's CI keep memory and pids there), then in cgroup v2. In v1 the place is the server's
// own group for that controller; in v2 it is the server's group or its parent, whichever
// delegates the controller (lists it in cgroup.subtree_control) and is writable.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace bastion::sandbox::cgroupfs {

enum class Version { V1, V2 };

// Where groups for one controller are created.
struct Hierarchy {
  Version version = Version::V1;
  std::string parent_dir;
};

// The hierarchy for "memory" or "pids"; LayerUnavailable with both versions' reasons if none.
[[nodiscard]] Result<Hierarchy> findHierarchy(std::string_view controller);

std::string parentOf(const std::string& dir);

// cgroup files are tiny: whole-file reads and writes.
std::optional<std::string> readFile(const std::string& path);
int writeFile(const std::string& path, std::string_view value);  // 0 or errno
bool exists(const std::string& path);
std::vector<std::string_view> split(std::string_view text, char separator);
bool containsWord(std::string_view list, std::string_view word, char separator);
// The number after `key ` in a "key value" per line file (memory.events, pids.events,
// memory.oom_control); nullopt when the key is absent.
std::optional<std::uint64_t> keyedValue(const std::string& text, std::string_view key);

}  // namespace bastion::sandbox::cgroupfs
