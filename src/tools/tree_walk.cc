#include "tools/tree_walk.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <memory>
#include <vector>

namespace bastion::tools {
namespace {

struct DirCloser {
  void operator()(DIR* dir) const { ::closedir(dir); }
};
using DirHandle = std::unique_ptr<DIR, DirCloser>;

EntryType typeOf(mode_t mode) {
  if (S_ISREG(mode)) {
    return EntryType::File;
  }
  if (S_ISDIR(mode)) {
    return EntryType::Directory;
  }
  if (S_ISLNK(mode)) {
    return EntryType::Symlink;
  }
  return EntryType::Other;
}

class Walker {
 public:
  Walker(const ConfinedRoot& root, const WalkOptions& options, const Visitor& visit)
      : root_(root), options_(options), visit_(visit) {}

  // Lists the directory `fd` (named `prefix` below the root) at `depth`; false: stop walking.
  bool walk(UniqueFd fd, const std::string& prefix, int depth) {
    DIR* raw = ::fdopendir(fd.get());
    if (raw == nullptr) {
      return true;  // vanished or unreadable: skipped
    }
    DirHandle dir(raw);
    static_cast<void>(fd.release());  // now owned by `dir`
    std::vector<std::string> names;
    if (!readNames(dir.get(), names)) {
      return false;
    }
    for (const std::string& name : names) {
      if (!visitEntry(::dirfd(dir.get()), prefix, name, depth)) {
        return false;
      }
    }
    return true;
  }

  WalkSummary summary() const { return summary_; }

 private:
  // The directory's visible names, sorted; false when the entry budget ran out.
  bool readNames(DIR* dir, std::vector<std::string>& names) {
    while (const dirent* e = ::readdir(dir)) {
      std::string_view name = e->d_name;
      if (name == "." || name == ".." || root_.deny().denies(name)) {
        continue;
      }
      if (++visited_ > options_.max_visited) {
        summary_.truncated = true;
        return false;
      }
      names.emplace_back(name);
    }
    std::sort(names.begin(), names.end());
    return true;
  }

  bool stopRequested() {
    if (options_.cancelled && options_.cancelled()) {
      summary_.cancelled = true;
      return true;
    }
    return false;
  }

  bool visitEntry(int dir_fd, const std::string& prefix, const std::string& name, int depth) {
    if (stopRequested()) {
      return false;
    }
    struct stat st {};
    if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      return true;  // removed since readdir
    }
    WalkEntry entry;
    entry.path = prefix.empty() ? name : prefix + "/" + name;
    entry.name = name;
    entry.type = typeOf(st.st_mode);
    entry.size = entry.type == EntryType::File ? static_cast<std::uint64_t>(st.st_size) : 0;
    entry.dir_fd = dir_fd;
    if (visit_(entry) == Visit::Stop) {
      return false;
    }
    if (entry.type != EntryType::Directory || !options_.recursive) {
      return true;
    }
    if (depth + 1 >= options_.max_depth) {
      summary_.truncated = true;
      return true;
    }
    auto child = root_.openChildDirectory(dir_fd, name);
    if (!child) {
      return true;  // replaced by a symlink or removed meanwhile: not followed
    }
    return walk(std::move(child).value(), entry.path, depth + 1);
  }

  const ConfinedRoot& root_;
  const WalkOptions& options_;
  const Visitor& visit_;
  std::size_t visited_ = 0;
  WalkSummary summary_;
};

}  // namespace

std::string_view entryTypeName(EntryType type) {
  switch (type) {
    case EntryType::File:
      return "file";
    case EntryType::Directory:
      return "directory";
    case EntryType::Symlink:
      return "symlink";
    case EntryType::Other:
      break;
  }
  return "other";
}

Result<WalkSummary> walkTree(const ConfinedRoot& root, std::string_view start,
                             const WalkOptions& options, const Visitor& visit) {
  std::vector<std::string_view> components;
  auto fd = root.openDirectory(start, components);
  if (!fd) {
    return fd.error();
  }
  Walker walker(root, options, visit);
  const std::string prefix = components.empty() ? std::string() : joinComponents(components);
  static_cast<void>(walker.walk(std::move(fd).value(), prefix, 0));
  return walker.summary();
}

}  // namespace bastion::tools
