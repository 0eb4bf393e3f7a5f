#include "tools/confined_root.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <optional>
#include <system_error>

#include "core/fd_io.h"
#include "tools/text.h"

namespace bastion::tools {
namespace {

// openat2 returns EAGAIN when a rename or mount elsewhere raced with a RESOLVE_BENEATH walk
// through "..": safe to retry, but not forever.
constexpr int kMaxOpenRetries = 16;
constexpr std::size_t kTempNameRandomBytes = 16;
constexpr std::string_view kDeletedSuffix = " (deleted)";

Error pathError(FilesError code, std::string_view shown, std::string_view why) {
  return Error(code, quotedPath(shown) + ": " + std::string(why));
}

// Denied entries are invisible: same message as a missing one, different code (for audit).
Error deniedError(std::string_view shown) {
  return pathError(FilesError::Denied, shown, "not found");
}

Error errnoError(int err, std::string_view shown) {
  switch (err) {
    case ENOENT:
      return pathError(FilesError::NotFound, shown, "not found");
    case ENOTDIR:
      return pathError(FilesError::NotDirectory, shown, "not a directory");
    case EXDEV:
      return pathError(FilesError::OutsideRoot, shown, "leads outside the root");
    case ELOOP:
      return pathError(FilesError::SymlinkRefused, shown,
                       "goes through a symbolic link that may not be followed");
    case EAGAIN:
      return pathError(FilesError::Busy, shown, "changed while being opened; retry");
    case EISDIR:
      return pathError(FilesError::NotRegularFile, shown, "is a directory");
    case EEXIST:
      return pathError(FilesError::Exists, shown, "already exists");
    case ENAMETOOLONG:
      return pathError(FilesError::PathTooLong, shown, "a name is too long");
    default:
      return pathError(FilesError::Io, shown, std::generic_category().message(err));
  }
}

// Where the kernel says `fd` is ("/proc/self/fd/N"), or empty if that cannot be read.
std::string fdPath(int fd) {
  std::array<char, PATH_MAX + 1> buffer{};
  const std::string link = "/proc/self/fd/" + std::to_string(fd);
  const ssize_t n = ::readlink(link.c_str(), buffer.data(), buffer.size());
  if (n <= 0 || static_cast<std::size_t>(n) >= buffer.size()) {
    return {};
  }
  return std::string(buffer.data(), static_cast<std::size_t>(n));
}

Result<OpenedFile> regularFile(UniqueFd fd, std::string_view shown) {
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    return errnoError(errno, shown);
  }
  if (S_ISDIR(st.st_mode)) {
    return pathError(FilesError::NotRegularFile, shown, "is a directory");
  }
  if (!S_ISREG(st.st_mode)) {
    return pathError(FilesError::NotRegularFile, shown, "is not a regular file");
  }
  return OpenedFile{std::move(fd), static_cast<std::uint64_t>(st.st_size)};
}

// The temporary file of a write: removed unless the rename consumed it.
class TempName {
 public:
  TempName(int dir_fd, std::string name) : dir_fd_(dir_fd), name_(std::move(name)) {}
  ~TempName() {
    if (armed_) {
      ::unlinkat(dir_fd_, name_.c_str(), 0);
    }
  }
  TempName(const TempName&) = delete;
  TempName& operator=(const TempName&) = delete;
  const std::string& name() const { return name_; }
  void arm() { armed_ = true; }
  void disarm() { armed_ = false; }

 private:
  int dir_fd_;
  std::string name_;
  bool armed_ = false;
};

}  // namespace

Result<std::string> readBounded(const OpenedFile& file, std::size_t max_bytes,
                                std::string_view shown) {
  auto tooLarge = [&] {
    return pathError(FilesError::TooLarge, shown,
                     "is larger than the limit of " + std::to_string(max_bytes) + " bytes");
  };
  if (file.size > max_bytes) {
    return tooLarge();
  }
  std::string content(static_cast<std::size_t>(file.size) + 1, '\0');
  std::size_t used = 0;
  for (;;) {
    if (used == content.size()) {
      content.resize(std::min(content.size() * 2, max_bytes + 1));
    }
    const ssize_t n = ::read(file.fd.get(), content.data() + used, content.size() - used);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return errnoError(errno, shown);
    }
    if (n == 0) {
      break;
    }
    used += static_cast<std::size_t>(n);
    if (used > max_bytes) {
      return tooLarge();
    }
  }
  content.resize(used);
  return content;
}

Result<std::unique_ptr<ConfinedRoot>> ConfinedRoot::open(const std::string& root,
                                                         ConfinedRootOptions options) {
  auto deny = DenyList::create(options.deny);
  if (!deny) {
    return deny.error();
  }
  UniqueFd fd(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!fd) {
    return Error(FilesError::NotFound,
                 "files root " + root + ": " + std::generic_category().message(errno));
  }
  std::string real = fdPath(fd.get());
  // Without /proc the landing check cannot run; symlinks then cannot be followed safely.
  if (real.empty() && !options.no_symlinks) {
    return Error(FilesError::Io, "files root " + root +
                                     ": /proc/self/fd is unreadable, so symlinks cannot be "
                                     "checked; set no_symlinks = true");
  }
  return std::unique_ptr<ConfinedRoot>(new ConfinedRoot(
      std::move(fd), std::move(real), std::move(deny).value(), std::move(options)));
}

Result<UniqueFd> ConfinedRoot::openBelow(int dir_fd, const std::string& relative,
                                         std::uint64_t flags, std::uint64_t extra_resolve,
                                         std::string_view shown, mode_t mode) const {
  open_how how{};
  how.flags = flags | O_CLOEXEC;
  how.mode = mode;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | extra_resolve;
  if (options_.no_symlinks) {
    how.resolve |= RESOLVE_NO_SYMLINKS;
  }
  for (int attempt = 0;; ++attempt) {
    const long fd = ::syscall(SYS_openat2, dir_fd, relative.c_str(), &how, sizeof how);
    if (fd >= 0) {
      return UniqueFd(static_cast<int>(fd));
    }
    const int err = errno;
    if ((err != EAGAIN && err != EINTR) || attempt == kMaxOpenRetries) {
      return errnoError(err, shown);
    }
  }
}

Result<void> ConfinedRoot::checkLanding(int fd, std::string_view shown) const {
  const std::string where = fdPath(fd);
  if (where.empty()) {
    return pathError(FilesError::Io, shown, "cannot verify where the path leads");
  }
  if (where == real_path_) {
    return {};
  }
  const std::string prefix = real_path_ == "/" ? real_path_ : real_path_ + "/";
  if (!where.starts_with(prefix)) {
    return pathError(FilesError::OutsideRoot, shown, "leads outside the root");
  }
  std::string_view below = std::string_view(where).substr(prefix.size());
  if (below.ends_with(kDeletedSuffix)) {
    // Renamed over or unlinked since the open (a concurrent write): the kernel keeps the last
    // name and appends this marker. The open itself was confined; check the name it had.
    below.remove_suffix(kDeletedSuffix.size());
  }
  auto parts = splitRelativePath(below);
  if (!parts || deny_.deniesAny(parts.value())) {
    return deniedError(shown);
  }
  return {};
}

Result<UniqueFd> ConfinedRoot::openConfined(const std::string& relative, std::uint64_t flags,
                                            std::string_view shown) const {
  if (options_.no_symlinks) {
    return openBelow(fd_.get(), relative, flags, 0, shown);
  }
  // First without following any symlink: if that succeeds, the path as written (already
  // deny-checked, no '..') is where the open landed, and /proc need not be asked.
  auto direct = openBelow(fd_.get(), relative, flags, RESOLVE_NO_SYMLINKS, shown);
  if (direct || direct.error().code != static_cast<int>(FilesError::SymlinkRefused)) {
    return direct;
  }
  auto followed = openBelow(fd_.get(), relative, flags, 0, shown);
  if (!followed) {
    return followed;
  }
  if (auto landed = checkLanding(followed.value().get(), shown); !landed) {
    return landed.error();
  }
  return followed;
}

Result<std::vector<std::string_view>> ConfinedRoot::components(std::string_view path) const {
  auto parts = splitRelativePath(path);
  if (!parts) {
    return parts.error();
  }
  if (deny_.deniesAny(parts.value())) {
    return deniedError(path);
  }
  return parts;
}

Result<OpenedFile> ConfinedRoot::openFile(std::string_view path) const {
  auto parts = components(path);
  if (!parts) {
    return parts.error();
  }
  if (parts.value().empty()) {
    return pathError(FilesError::EmptyPath, path, "a file path is required");
  }
  auto fd = openConfined(joinComponents(parts.value()), O_RDONLY | O_NONBLOCK | O_NOCTTY, path);
  if (!fd) {
    return fd.error();
  }
  return regularFile(std::move(fd).value(), path);
}

Result<UniqueFd> ConfinedRoot::openDirectory(std::string_view path,
                                             std::vector<std::string_view>& components_out) const {
  auto parts = components(path);
  if (!parts) {
    return parts.error();
  }
  auto fd = openConfined(joinComponents(parts.value()), O_RDONLY | O_DIRECTORY, path);
  if (!fd) {
    return fd.error();
  }
  components_out = std::move(parts).value();
  return fd;
}

Result<UniqueFd> ConfinedRoot::openChildDirectory(int dir_fd, std::string_view name) const {
  return openBelow(dir_fd, std::string(name), O_RDONLY | O_DIRECTORY | O_NOFOLLOW,
                   RESOLVE_NO_SYMLINKS, name);
}

Result<OpenedFile> ConfinedRoot::openChildFile(int dir_fd, std::string_view name) const {
  auto fd = openBelow(dir_fd, std::string(name), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_NOFOLLOW,
                      RESOLVE_NO_SYMLINKS, name);
  if (!fd) {
    return fd.error();
  }
  return regularFile(std::move(fd).value(), name);
}

Result<WriteOutcome> ConfinedRoot::writeFile(std::string_view path, std::string_view content,
                                             bool create_only, RandomSource& rng) const {
  if (!options_.writable) {
    return pathError(FilesError::ReadOnly, path, "this tool cannot write files");
  }
  auto parts = components(path);
  if (!parts) {
    return parts.error();
  }
  std::vector<std::string_view> dir = std::move(parts).value();
  if (dir.empty()) {
    return pathError(FilesError::EmptyPath, path, "a file path is required");
  }
  const std::string name(dir.back());
  dir.pop_back();
  auto parent = openConfined(joinComponents(dir), O_RDONLY | O_DIRECTORY, path);
  if (!parent) {
    return parent.error();
  }
  auto existing = inspectTarget(parent.value().get(), name, create_only, path);
  if (!existing) {
    return existing.error();
  }
  auto replaced = replaceAtomically(parent.value().get(), name, content, existing.value(),
                                    create_only, rng, path);
  if (!replaced) {
    return replaced.error();
  }
  return WriteOutcome{content.size(), !existing.value().has_value()};
}

Result<std::optional<mode_t>> ConfinedRoot::inspectTarget(int parent_fd, const std::string& name,
                                                          bool create_only,
                                                          std::string_view shown) const {
  struct stat st {};
  if (::fstatat(parent_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) {
      return std::optional<mode_t>();
    }
    return errnoError(errno, shown);
  }
  if (S_ISLNK(st.st_mode)) {
    // Renaming over it would replace the link, not its target: refuse rather than surprise.
    return pathError(FilesError::SymlinkRefused, shown,
                     "is a symbolic link; write to the file it names instead");
  }
  if (!S_ISREG(st.st_mode)) {
    return pathError(FilesError::NotRegularFile, shown,
                     S_ISDIR(st.st_mode) ? "is a directory" : "is not a regular file");
  }
  if (create_only) {
    return pathError(FilesError::Exists, shown, "already exists");
  }
  return std::optional<mode_t>(st.st_mode & 07777);
}

Result<void> ConfinedRoot::replaceAtomically(int parent_fd, const std::string& name,
                                             std::string_view content, std::optional<mode_t> mode,
                                             bool create_only, RandomSource& rng,
                                             std::string_view shown) const {
  std::array<unsigned char, kTempNameRandomBytes> random{};
  rng.fill(random.data(), random.size());
  TempName temp(parent_fd, ".bastion-" + toHex(random) + ".tmp");
  // O_EXCL on an unguessable name: never an existing file or a planted symlink.
  auto out = openBelow(parent_fd, temp.name(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW,
                       RESOLVE_NO_SYMLINKS, shown, 0666);
  if (!out) {
    return out.error();
  }
  temp.arm();
  const int out_fd = out.value().get();
  if ((mode && ::fchmod(out_fd, mode.value()) != 0) || !writeAll(out_fd, content) ||
      ::fsync(out_fd) != 0) {
    return errnoError(errno, shown);
  }
  const char* from = temp.name().c_str();
  const int renamed = create_only
                          ? ::renameat2(parent_fd, from, parent_fd, name.c_str(), RENAME_NOREPLACE)
                          : ::renameat(parent_fd, from, parent_fd, name.c_str());
  if (renamed != 0) {
    return errnoError(errno, shown);
  }
  temp.disarm();
  // The rename is durable only once the directory is.
  if (::fsync(parent_fd) != 0) {
    return errnoError(errno, shown);
  }
  return {};
}

}  // namespace bastion::tools
