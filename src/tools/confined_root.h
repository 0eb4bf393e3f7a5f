#pragma once
// ConfinedRoot: one directory, opened once, below which every files-tool access happens.
//
// The root is held as an O_PATH descriptor. Every open goes through openat2(2) relative to it
// with RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS (and RESOLVE_NO_SYMLINKS when symlinks are
// refused): the kernel resolves the whole path atomically and refuses any step above the root,
// so a symlink swapped in mid-call cannot lead outside. Paths are never resolved in user space
// and then opened by name.
//
// Deny globs apply to every component of the path as written and, when symlinks may be
// followed, to every component of where the open actually landed (read back from
// /proc/self/fd), so a symlink "notes -> .env" inside the root does not reveal .env.
// Error messages name the caller's path, never the root's host path.
//
// Not defended: a hard link inside the root to a file elsewhere on the same filesystem (it is
// a file of the root, by construction), and mounts placed inside the root. If the root itself
// is renamed while serving, calls fail (the landing check no longer sees it) until restart.
// All methods are const and safe to call from many threads at once.

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/random.h"
#include "core/unique_fd.h"
#include "tools/files_error.h"
#include "tools/path_rules.h"

namespace bastion::tools {

struct ConfinedRootOptions {
  std::vector<std::string> deny;  // deny globs (DenyList syntax)
  bool no_symlinks = false;       // refuse every symlink, even one that stays inside
  bool writable = false;          // writeFile allowed (only for files.write tools)
};

// A regular file opened for reading, with its size at open time.
struct OpenedFile {
  UniqueFd fd;
  std::uint64_t size = 0;
};

struct WriteOutcome {
  std::uint64_t bytes = 0;
  bool created = false;  // no file had that name before
};

// The whole content of `file`, refused (TooLarge) past `max_bytes`. The size is checked as
// read, not only from fstat: the file may grow meanwhile. Errors name `shown`.
[[nodiscard]] Result<std::string> readBounded(const OpenedFile& file, std::size_t max_bytes,
                                              std::string_view shown);

class ConfinedRoot {
 public:
  // Opens `root` (an absolute path to a directory) once. Fails on a bad deny list, a missing
  // root or one that is not a directory.
  [[nodiscard]] static Result<std::unique_ptr<ConfinedRoot>> open(const std::string& root,
                                                                  ConfinedRootOptions options);

  // A regular file below the root, for reading (O_NONBLOCK, so a FIFO cannot block the call).
  // `path` is the caller's argument (splitRelativePath rules; must name a file).
  [[nodiscard]] Result<OpenedFile> openFile(std::string_view path) const;

  // A directory below the root for listing; "" (or ".") is the root itself. On success
  // `components` holds the path's components (what listed entries are named under).
  [[nodiscard]] Result<UniqueFd> openDirectory(std::string_view path,
                                               std::vector<std::string_view>& components) const;

  // One entry of an already opened directory, never following a symlink (walks do not follow
  // links). `dir_fd` must come from this root (openDirectory or openChildDirectory).
  [[nodiscard]] Result<UniqueFd> openChildDirectory(int dir_fd, std::string_view name) const;
  [[nodiscard]] Result<OpenedFile> openChildFile(int dir_fd, std::string_view name) const;

  // Replaces (or, with create_only, creates) the file at `path` with `content`, atomically:
  // a temporary file with an unguessable name (O_EXCL) in the same directory, written and
  // fsynced, then renamed over the target inside the root, then the directory fsynced. A reader
  // sees the old content or the new, never a mix. Refuses a target that is a symlink or not a
  // regular file, a missing parent directory, and any write when the root is not writable.
  // Does not check sizes (the tool does).
  [[nodiscard]] Result<WriteOutcome> writeFile(std::string_view path, std::string_view content,
                                               bool create_only, RandomSource& rng) const;

  const DenyList& deny() const { return deny_; }

 private:
  ConfinedRoot(UniqueFd fd, std::string real_path, DenyList deny, ConfinedRootOptions options)
      : fd_(std::move(fd)),
        real_path_(std::move(real_path)),
        deny_(std::move(deny)),
        options_(std::move(options)) {}

  // openat2 below `dir_fd` with this root's resolve flags (plus `extra_resolve`); retries
  // EAGAIN a bounded number of times. Errors name `shown` (the caller's path).
  Result<UniqueFd> openBelow(int dir_fd, const std::string& relative, std::uint64_t flags,
                             std::uint64_t extra_resolve, std::string_view shown,
                             mode_t mode = 0) const;
  // openBelow from the root, plus the landing check when a symlink was followed.
  Result<UniqueFd> openConfined(const std::string& relative, std::uint64_t flags,
                                std::string_view shown) const;
  // When symlinks may be followed: where `fd` really is must be below the root and its path
  // there must pass the deny list.
  Result<void> checkLanding(int fd, std::string_view shown) const;
  // What the target of a write is now: its mode if it is a regular file, nullopt if absent;
  // refused if it is a symlink, not a regular file, or present under create_only.
  Result<std::optional<mode_t>> inspectTarget(int parent_fd, const std::string& name,
                                              bool create_only, std::string_view shown) const;
  // Temporary file (O_EXCL, random name), content, fsync, rename over `name`, fsync of the
  // directory. The temporary file is removed on any failure.
  Result<void> replaceAtomically(int parent_fd, const std::string& name, std::string_view content,
                                 std::optional<mode_t> mode, bool create_only, RandomSource& rng,
                                 std::string_view shown) const;
  // Validates the argument and applies the deny list to its components.
  Result<std::vector<std::string_view>> components(std::string_view path) const;

  UniqueFd fd_;            // O_PATH | O_DIRECTORY
  std::string real_path_;  // the root as the kernel names it (for checkLanding)
  DenyList deny_;
  ConfinedRootOptions options_;
};

}  // namespace bastion::tools
