// Read-only paths: defaults, checks, and the effective list the mount plan binds.
#include "sandbox/policy_paths.h"

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstdlib>
#include <memory>
#include <string_view>

namespace bastion::sandbox {
namespace {

constexpr std::array<std::string_view, 15> kDefaultPaths{"/usr",
                                                         "/lib",
                                                         "/lib32",
                                                         "/lib64",
                                                         "/libx32",
                                                         "/bin",
                                                         "/sbin",
                                                         "/etc/ld.so.cache",
                                                         "/etc/ld.so.conf",
                                                         "/etc/ld.so.conf.d",
                                                         "/etc/passwd",
                                                         "/etc/group",
                                                         "/etc/nsswitch.conf",
                                                         "/etc/localtime",
                                                         "/etc/alternatives"};

// Where a host path must never be bound from: the kernel's views of the host and the devices.
constexpr std::array<std::string_view, 3> kRefusedTrees{"/proc", "/sys", "/dev"};

Error invalid(const std::string& path, std::string_view why) {
  return Error(SandboxError::InvalidCommand, "read-only path '" + path + "' " + std::string(why));
}

bool isInside(std::string_view path, std::string_view dir) {
  return path.size() > dir.size() && path.substr(0, dir.size()) == dir && path[dir.size()] == '/';
}

bool isNormalizedAbsolute(std::string_view path) {
  if (path.size() < 2 || path.front() != '/' || path.back() == '/' ||
      path.find('\0') != std::string_view::npos || path.find("//") != std::string_view::npos) {
    return false;
  }
  std::size_t start = 1;
  while (start <= path.size()) {
    std::size_t end = std::min(path.find('/', start), path.size());
    std::string_view part = path.substr(start, end - start);
    if (part == "." || part == "..") {
      return false;
    }
    start = end + 1;
  }
  return true;
}

// The parent directory holds no symlink: its canonical form is itself.
bool parentIsCanonical(const std::string& path) {
  std::string parent = path.substr(0, path.rfind('/'));
  if (parent.empty()) {
    return true;
  }
  std::unique_ptr<char, decltype(&std::free)> real(realpath(parent.c_str(), nullptr), &std::free);
  return real != nullptr && parent == real.get();
}

}  // namespace

std::vector<std::string> defaultReadOnlyPaths() {
  std::vector<std::string> paths;
  for (std::string_view p : kDefaultPaths) {
    std::string path(p);
    struct stat st {};
    if (lstat(path.c_str(), &st) == 0) {
      paths.push_back(std::move(path));
    }
  }
  return paths;
}

Result<void> checkReadOnlyPath(const std::string& path) {
  if (!isNormalizedAbsolute(path)) {
    return invalid(path, "must be absolute and normalized (no '.', '..', '//' or trailing '/')");
  }
  if (path == "/tmp") {
    return invalid(path, "is the sandbox's own tmpfs");
  }
  for (std::string_view tree : kRefusedTrees) {
    if (path == tree || isInside(path, tree)) {
      return invalid(path, "is inside " + std::string(tree) + ", which is never bound");
    }
  }
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0) {
    return invalid(path, "does not exist");
  }
  if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode)) {
    return invalid(path, "is not a directory, regular file or symlink");
  }
  if (!parentIsCanonical(path)) {
    return invalid(path, "has a symlink among its parent directories");
  }
  return {};
}

std::vector<std::string> effectiveReadOnlyPaths(const Policy& policy) {
  std::vector<std::string> paths = policy.read_only_paths;
  if (policy.default_paths) {
    std::vector<std::string> defaults = defaultReadOnlyPaths();
    paths.insert(paths.end(), defaults.begin(), defaults.end());
  }
  std::sort(paths.begin(), paths.end());
  paths.erase(std::unique(paths.begin(), paths.end()), paths.end());
  std::vector<std::string> kept;
  for (const std::string& path : paths) {
    // Sorted order puts "/a" before "/a/b"; "/a-b" sorts between them but is not inside "/a".
    bool covered = std::any_of(kept.begin(), kept.end(),
                               [&](const std::string& dir) { return isInside(path, dir); });
    if (!covered) {
      kept.push_back(path);
    }
  }
  return kept;
}

}  // namespace bastion::sandbox
