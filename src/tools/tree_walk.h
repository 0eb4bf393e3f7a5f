#pragma once
// Directory walks for files.list and files.search: below a ConfinedRoot, one directory
// descriptor at a time (each child opened with openat2 relative to its parent, never following
// a symlink), in name order, skipping every entry the deny list hides together with everything
// under it. Bounded in depth and in entries visited.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/error.h"
#include "tools/confined_root.h"

namespace bastion::tools {

enum class EntryType { File, Directory, Symlink, Other };
std::string_view entryTypeName(EntryType type);  // "file", "directory", "symlink", "other"

struct WalkEntry {
  std::string path;       // below the root, '/'-separated (the start's normalized path + names)
  std::string_view name;  // the last component
  EntryType type = EntryType::Other;
  std::uint64_t size = 0;  // files only
  int dir_fd = -1;         // the directory holding the entry; valid during the visit only
};

struct WalkOptions {
  bool recursive = false;
  int max_depth = 16;                 // directory levels below the start (1: the start only)
  std::size_t max_visited = 100'000;  // entries looked at, listed or not
  std::function<bool()> cancelled;    // polled between entries; may be empty
};

enum class Visit { Continue, Stop };
using Visitor = std::function<Visit(const WalkEntry&)>;

struct WalkSummary {
  bool truncated = false;  // a limit (depth or entries visited) cut the walk short
  bool cancelled = false;
};

// Walks the directory `start` (the caller's path; "" is the root). Errors only for the start
// (not found, denied, not a directory...); entries that vanish or cannot be opened midway are
// skipped. The visitor stopping the walk is not truncation (it knows why it stopped).
[[nodiscard]] Result<WalkSummary> walkTree(const ConfinedRoot& root, std::string_view start,
                                           const WalkOptions& options, const Visitor& visit);

}  // namespace bastion::tools
