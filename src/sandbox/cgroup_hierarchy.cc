// Finding where cgroups may be created (see cgroup_hierarchy.h) and reading and writing their
// files.
#include "sandbox/cgroup_hierarchy.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "core/fd_io.h"
#include "core/unique_fd.h"
#include "sandbox/sandbox.h"

namespace bastion::sandbox::cgroupfs {

std::optional<std::string> readFile(const std::string& path) {
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    return std::nullopt;
  }
  std::string text;
  char buf[4096];
  for (;;) {
    const ssize_t n = read(fd.get(), buf, sizeof(buf));
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return std::nullopt;
    }
    if (n == 0) {
      return text;
    }
    text.append(buf, static_cast<std::size_t>(n));
  }
}

// Writes one value to a cgroup control file. Returns 0 or errno.
int writeFile(const std::string& path, std::string_view value) {
  UniqueFd fd(open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) {
    return errno;
  }
  return writeAll(fd.get(), value) ? 0 : errno;
}

bool exists(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  while (!text.empty()) {
    const auto end = text.find(separator);
    parts.push_back(text.substr(0, end));
    if (end == std::string_view::npos) {
      break;
    }
    text.remove_prefix(end + 1);
  }
  return parts;
}

bool containsWord(std::string_view list, std::string_view word, char separator) {
  for (const auto part : split(list, separator)) {
    if (part == word) {
      return true;
    }
  }
  return false;
}

// The number after `key ` in a "key value" per line file (memory.events, pids.events,
// memory.oom_control); nullopt when the key is absent.
std::optional<std::uint64_t> keyedValue(const std::string& text, std::string_view key) {
  for (const auto line : split(text, '\n')) {
    if (line.size() > key.size() && line.substr(0, key.size()) == key && line[key.size()] == ' ') {
      return std::strtoull(std::string(line.substr(key.size() + 1)).c_str(), nullptr, 10);
    }
  }
  return std::nullopt;
}

std::string parentOf(const std::string& dir) {
  const auto slash = dir.rfind('/');
  return slash == 0 || slash == std::string::npos ? "/" : dir.substr(0, slash);
}

namespace {

// --- Finding the hierarchies ----------------------------------------------------------------

struct CgroupMount {
  std::string root;         // the cgroup path the mount shows at its mount point
  std::string mount_point;  // where it is mounted
  bool v2 = false;
  std::string options;  // super options: the v1 controllers
};

// Unescapes mountinfo's octal escapes (\040 for a space).
std::string unescape(std::string_view field) {
  std::string out;
  for (std::size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size()) {
      const std::string digits(field.substr(i + 1, 3));
      out.push_back(static_cast<char>(std::strtol(digits.c_str(), nullptr, 8)));
      i += 3;
    } else {
      out.push_back(field[i]);
    }
  }
  return out;
}

std::vector<CgroupMount> cgroupMounts() {
  std::vector<CgroupMount> mounts;
  const auto text = readFile("/proc/self/mountinfo");
  if (!text) {
    return mounts;
  }
  for (const auto line : split(*text, '\n')) {
    // id parent major:minor root mount_point options [optional...] - fstype source super_options
    const auto sep = line.find(" - ");
    if (sep == std::string_view::npos) {
      continue;
    }
    const auto head = split(line.substr(0, sep), ' ');
    const auto tail = split(line.substr(sep + 3), ' ');
    if (head.size() < 5 || tail.size() < 3) {
      continue;
    }
    if (tail[0] != "cgroup" && tail[0] != "cgroup2") {
      continue;
    }
    mounts.push_back(CgroupMount{unescape(head[3]), unescape(head[4]), tail[0] == "cgroup2",
                                 std::string(tail[2])});
  }
  return mounts;
}

// The server's own cgroup path for a v1 controller ("memory") or for v2 (controller "").
std::optional<std::string> ownCgroupPath(std::string_view controller) {
  const auto text = readFile("/proc/self/cgroup");
  if (!text) {
    return std::nullopt;
  }
  for (const auto line : split(*text, '\n')) {
    // hierarchy-id:controller-list:path
    const auto first = line.find(':');
    const auto second = line.find(':', first + 1);
    if (first == std::string_view::npos || second == std::string_view::npos) {
      continue;
    }
    const auto controllers = line.substr(first + 1, second - first - 1);
    const bool match = controller.empty() ? (line.substr(0, first) == "0" && controllers.empty())
                                          : containsWord(controllers, controller, ',');
    if (match) {
      return std::string(line.substr(second + 1));
    }
  }
  return std::nullopt;
}

// The directory of cgroup `path` under `mount`; nullopt when the mount does not show it (the
// server sits outside the mount's root, e.g. in another cgroup namespace).
std::optional<std::string> directoryOf(const CgroupMount& mount, const std::string& path) {
  if (mount.root == "/") {
    return path == "/" ? mount.mount_point : mount.mount_point + path;
  }
  if (path == mount.root) {
    return mount.mount_point;
  }
  if (path.rfind(mount.root + "/", 0) == 0) {
    return mount.mount_point + path.substr(mount.root.size());
  }
  return std::nullopt;
}

Result<Hierarchy> findV1(std::string_view controller, const std::vector<CgroupMount>& mounts) {
  for (const auto& mount : mounts) {
    if (mount.v2 || !containsWord(mount.options, controller, ',')) {
      continue;
    }
    const auto own = ownCgroupPath(controller);
    const auto dir = own ? directoryOf(mount, *own) : std::nullopt;
    if (!dir) {
      return Error{SandboxError::LayerUnavailable, "the server's cgroup v1 " +
                                                       std::string(controller) +
                                                       " group is not visible under its mount"};
    }
    if (access(dir->c_str(), W_OK) != 0) {
      return Error{SandboxError::LayerUnavailable,
                   "the server's cgroup v1 " + std::string(controller) +
                       " group is not writable (needs root or a delegated group)"};
    }
    return Hierarchy{Version::V1, *dir};
  }
  return Error{SandboxError::LayerUnavailable,
               "no cgroup v1 " + std::string(controller) + " hierarchy is mounted"};
}

Result<Hierarchy> findV2(std::string_view controller, const std::vector<CgroupMount>& mounts) {
  for (const auto& mount : mounts) {
    if (!mount.v2) {
      continue;
    }
    const auto own = ownCgroupPath("");
    const auto dir = own ? directoryOf(mount, *own) : std::nullopt;
    if (!dir) {
      return Error{SandboxError::LayerUnavailable,
                   "the server's cgroup v2 group is not visible under the cgroup2 mount"};
    }
    // The server's own group (possible only at the root: the no-internal-process rule) or its
    // parent, when that delegates the controller to children and is writable.
    for (const auto& candidate : {*dir, parentOf(*dir)}) {
      if (candidate.size() < mount.mount_point.size()) {
        continue;
      }
      const auto delegated = readFile(candidate + "/cgroup.subtree_control");
      if (delegated && containsWord(*delegated, controller, ' ') &&
          access(candidate.c_str(), W_OK) == 0) {
        return Hierarchy{Version::V2, candidate};
      }
    }
    return Error{SandboxError::LayerUnavailable,
                 "cgroup v2 does not delegate the " + std::string(controller) +
                     " controller to a writable group of the server"};
  }
  return Error{SandboxError::LayerUnavailable, "no cgroup2 hierarchy is mounted"};
}

}  // namespace

// v1 first (it holds the controller on hybrid hosts), then v2; the error carries both reasons.

Result<Hierarchy> findHierarchy(std::string_view controller) {
  const auto mounts = cgroupMounts();
  auto v1 = findV1(controller, mounts);
  if (v1) {
    return v1;
  }
  auto v2 = findV2(controller, mounts);
  if (v2) {
    return v2;
  }
  return Error{SandboxError::LayerUnavailable, "cgroup " + std::string(controller) +
                                                   " limit unavailable: " + v1.error().message +
                                                   "; " + v2.error().message};
}

}  // namespace bastion::sandbox::cgroupfs
