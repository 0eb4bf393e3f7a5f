// Memory and process-count limits through cgroups.
//
// Where: a controller is looked up first as a cgroup v1 hierarchy (hybrid hosts such as this
// project's CI keep memory and pids there), then in cgroup v2. Each run gets its own group,
// created as a child of the server's own cgroup for that controller (so the server's limits
// still bound the runs), named bastion-<server pid>-<counter>. In v2 the group is a child of
// the server's cgroup or of its parent, whichever delegates the controller (lists it in
// cgroup.subtree_control) and is writable; memory and pids then share one directory.
//
// No silent downgrade: a limit that is asked for and cannot be set fails create() with
// LayerUnavailable and the reason; nothing is created then.
//
// Reuse: a run's groups, once emptied, go to a small pool and the next run takes them (limits
// written anew; the counters a limit check reads, which only grow, are read as differences
// from their value when the limit was set). A group that cannot take its new limit (a v1
// memory group still charged above it) is removed and a fresh one made.
#include "sandbox/cgroup.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <mutex>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "core/fd_io.h"
#include "core/unique_fd.h"

namespace bastion::sandbox {
namespace {

enum class Version { V1, V2 };

// Where groups for one controller are created.
struct Hierarchy {
  Version version = Version::V1;
  std::string parent_dir;
};

// --- Small file helpers (cgroup files are tiny; a read error is an empty string) ----------

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

// Waits for something the kernel finishes shortly (killed members leaving the group): polls
// with a delay that doubles from 20 µs to 1 ms, for at most about two seconds in all. A group
// usually empties within tens of microseconds, which a fixed 1 ms step would round up to a
// whole millisecond on every run. Returns false once the time is up.
class Backoff {
 public:
  bool wait() {
    if (std::chrono::steady_clock::now() - start_ > std::chrono::seconds(2)) {
      return false;
    }
    timespec ts{};
    ts.tv_nsec = static_cast<long>(delay_.count()) * 1'000L;
    nanosleep(&ts, nullptr);
    delay_ = std::min(delay_ * 2, std::chrono::microseconds(1'000));
    return true;
  }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::microseconds delay_{20};
};

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

std::string parentOf(const std::string& dir) {
  const auto slash = dir.rfind('/');
  return slash == 0 || slash == std::string::npos ? "/" : dir.substr(0, slash);
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

std::string uniqueName() {
  static std::atomic<std::uint64_t> counter{0};
  return "bastion-" + std::to_string(getpid()) + "-" + std::to_string(counter.fetch_add(1));
}

// --- One run's groups -----------------------------------------------------------------------

struct Group {
  Version version = Version::V1;
  std::string dir;
  bool memory = false;
  bool pids = false;
  bool reused = false;  // taken from the pool
  // Counters at the time the limits were set (they only grow; a reused group starts above 0).
  std::uint64_t oom_kills_before = 0;
  std::uint64_t failcnt_before = 0;
  std::uint64_t pids_max_before = 0;
};

std::uint64_t number(const std::string& text) { return std::strtoull(text.c_str(), nullptr, 10); }

// The memory counters of `group`: OOM kills (nullopt on v1 kernels before 4.13, which lack the
// counter), and v1's failcnt.
std::optional<std::uint64_t> oomKills(const Group& group) {
  const auto file = group.version == Version::V1 ? "/memory.oom_control" : "/memory.events";
  return keyedValue(readFile(group.dir + file).value_or(""), "oom_kill");
}
std::uint64_t failcnt(const Group& group) {
  return number(readFile(group.dir + "/memory.failcnt").value_or("0"));
}
std::uint64_t pidsMaxEvents(const Group& group) {
  return keyedValue(readFile(group.dir + "/pids.events").value_or(""), "max").value_or(0);
}

// Emptied groups waiting for the next run; removed at exit (or by Cgroup::releasePooled).
// Only the process that filled the pool uses it: a forked copy sees it empty (and never locks
// a mutex some other thread may have held at the fork), so two processes never share a group.
class GroupPool {
 public:
  static GroupPool& instance() {
    static GroupPool pool;
    return pool;
  }
  ~GroupPool() { release(); }

  std::optional<Group> take(Version version, const std::string& parent_dir) {
    if (getpid() != owner_) {
      return std::nullopt;
    }
    std::lock_guard lock(mu_);
    for (auto it = free_.begin(); it != free_.end(); ++it) {
      if (it->version == version && parentOf(it->dir) == parent_dir) {
        Group group{version, it->dir};
        group.reused = true;
        free_.erase(it);
        return group;
      }
    }
    return std::nullopt;
  }

  bool put(const Group& group) {
    if (getpid() != owner_) {
      return false;
    }
    std::lock_guard lock(mu_);
    if (free_.size() >= kMaxPooled) {
      return false;
    }
    free_.push_back(Group{group.version, group.dir});
    return true;
  }

  std::size_t release() {
    if (getpid() != owner_) {
      return 0;
    }
    std::lock_guard lock(mu_);
    std::size_t removed = 0;
    for (const Group& group : free_) {
      removed += rmdir(group.dir.c_str()) == 0 ? 1u : 0u;
    }
    free_.clear();
    return removed;
  }

 private:
  static constexpr std::size_t kMaxPooled = 16;
  const pid_t owner_ = getpid();
  std::mutex mu_;
  std::vector<Group> free_;  // GUARDED_BY(mu_)
};

Result<void> setMemoryLimit(const Group& group, std::uint64_t bytes) {
  const std::string value = std::to_string(bytes);
  int err = 0;
  if (group.version == Version::V1) {
    // memory.limit_in_bytes may never exceed memsw's: lift memsw first (a reused group holds
    // the previous run's limits), then set both.
    const bool memsw = exists(group.dir + "/memory.memsw.limit_in_bytes");
    if (memsw && group.reused) {
      err = writeFile(group.dir + "/memory.memsw.limit_in_bytes", "-1");
    }
    if (err == 0) {
      err = writeFile(group.dir + "/memory.limit_in_bytes", value);
    }
    // Swap is limited with memory when the kernel accounts it; otherwise the group is told not
    // to swap (best effort: hosts without swap accounting usually have no swap at all).
    if (err == 0 && memsw) {
      err = writeFile(group.dir + "/memory.memsw.limit_in_bytes", value);
    } else if (err == 0) {
      (void)writeFile(group.dir + "/memory.swappiness", "0");
    }
  } else {
    err = writeFile(group.dir + "/memory.max", value);
    if (err == 0 && exists(group.dir + "/memory.swap.max")) {
      err = writeFile(group.dir + "/memory.swap.max", "0");
    }
    if (err == 0 && exists(group.dir + "/memory.oom.group")) {
      err = writeFile(group.dir + "/memory.oom.group", "1");  // an OOM kills the whole run
    }
  }
  if (err != 0) {
    return Error{SandboxError::LayerUnavailable,
                 std::string("cgroup memory limit cannot be set: ") + std::strerror(err)};
  }
  return {};
}

Result<void> setPidsLimit(const Group& group, std::uint32_t pids) {
  if (const int err = writeFile(group.dir + "/pids.max", std::to_string(pids)); err != 0) {
    return Error{SandboxError::LayerUnavailable,
                 std::string("cgroup pids limit cannot be set: ") + std::strerror(err)};
  }
  return {};
}

class CgroupImpl final : public Cgroup {
 public:
  CgroupImpl() = default;
  ~CgroupImpl() override {
    killAll();
    for (const auto& group : groups_) {
      const bool empty = readFile(group.dir + "/cgroup.procs").value_or("x").empty();
      if (!(empty && GroupPool::instance().put(group))) {
        removeDir(group.dir);
      }
    }
  }

  Result<void> add(pid_t pid) override {
    const std::string value = std::to_string(pid);
    for (const auto& group : groups_) {
      if (const int err = writeFile(group.dir + "/cgroup.procs", value); err != 0) {
        return Error{SandboxError::SystemError,
                     std::string("cgroup: cannot add the process: ") + std::strerror(err)};
      }
    }
    return {};
  }

  // An OOM kill inside the group. Not memory.failcnt: that also counts limit hits that page
  // cache reclaim absorbed, which are not a limit firing.
  bool memoryLimitHit() const override {
    for (const auto& group : groups_) {
      if (!group.memory) {
        continue;
      }
      const auto file = group.version == Version::V1 ? "/memory.oom_control" : "/memory.events";
      const auto text = readFile(group.dir + file).value_or("");
      const auto kills = keyedValue(text, "oom_kill");
      if (kills) {
        return *kills > group.oom_kills_before || keyedValue(text, "under_oom").value_or(0) > 0;
      }
      // Kernels before 4.13 have no oom_kill counter in v1: fall back to failcnt.
      return failcnt(group) > group.failcnt_before;
    }
    return false;
  }

  // A fork or clone refused by pids.max.
  bool pidsLimitHit() const override {
    for (const auto& group : groups_) {
      if (group.pids) {
        return pidsMaxEvents(group) > group.pids_max_before;
      }
    }
    return false;
  }

  void killAll() override {
    for (const auto& group : groups_) {
      killGroup(group);
    }
  }

  std::vector<std::string> paths() const override {
    std::vector<std::string> dirs;
    for (const auto& group : groups_) {
      dirs.push_back(group.dir);
    }
    return dirs;
  }

  Result<void> limitMemory(std::uint64_t bytes) {
    auto group = groupFor("memory");
    if (!group) {
      return group.error();
    }
    auto set = setMemoryLimit(*group.value(), bytes);
    if (!set && group.value()->reused && group.value()->version == Version::V1) {
      // Still charged above the new limit (page cache of an earlier run): start afresh.
      removeDir(group.value()->dir);
      groups_.pop_back();
      group = groupFor("memory", /*reuse=*/false);
      if (!group) {
        return group.error();
      }
      set = setMemoryLimit(*group.value(), bytes);
    }
    if (!set) {
      return set;
    }
    Group& g = *group.value();
    g.memory = true;
    g.oom_kills_before = oomKills(g).value_or(0);
    g.failcnt_before = g.version == Version::V1 ? failcnt(g) : 0;
    return {};
  }

  Result<void> limitPids(std::uint32_t pids) {
    auto group = groupFor("pids");
    if (!group) {
      return group.error();
    }
    if (auto set = setPidsLimit(*group.value(), pids); !set) {
      return set;
    }
    group.value()->pids = true;
    group.value()->pids_max_before = pidsMaxEvents(*group.value());
    return {};
  }

 private:
  Result<Group*> groupFor(std::string_view controller, bool reuse = true) {
    auto hierarchy = findHierarchy(controller);
    if (!hierarchy) {
      return hierarchy.error();
    }
    return groupIn(hierarchy.value(), reuse);
  }

  // The group for `hierarchy`: the run's own (v2: memory and pids share one), else one from
  // the pool, else a new one.
  Result<Group*> groupIn(const Hierarchy& hierarchy, bool reuse) {
    for (auto& group : groups_) {
      if (group.version == Version::V2 && hierarchy.version == Version::V2 &&
          parentOf(group.dir) == hierarchy.parent_dir) {
        return &group;  // v2 is one tree: memory and pids share the run's group
      }
    }
    if (reuse) {
      if (auto pooled = GroupPool::instance().take(hierarchy.version, hierarchy.parent_dir)) {
        groups_.push_back(std::move(*pooled));
        return &groups_.back();
      }
    }
    for (int attempt = 0; attempt < 8; ++attempt) {
      const std::string dir = hierarchy.parent_dir + "/" + uniqueName();
      if (mkdir(dir.c_str(), 0700) == 0) {
        groups_.push_back(Group{hierarchy.version, dir});
        return &groups_.back();
      }
      if (errno != EEXIST) {
        return Error{SandboxError::LayerUnavailable,
                     std::string("cgroup: cannot create a group: ") + std::strerror(errno)};
      }
    }
    return Error{SandboxError::SystemError, "cgroup: no free group name"};
  }

  // SIGKILLs every member and returns once the group is empty (killed members leave it when
  // they exit, before they are reaped). v2's cgroup.kill kills the whole group at once; v1
  // needs rounds because a member may fork between the read and the kill (pids.max bounds
  // that). Bounded: a group that does not empty in about two seconds is left to the
  // destructor's rmdir.
  static void killGroup(const Group& group) {
    Backoff backoff;
    do {
      const auto procs = readFile(group.dir + "/cgroup.procs");
      if (!procs || procs->empty()) {
        return;
      }
      if (group.version != Version::V2 || writeFile(group.dir + "/cgroup.kill", "1") != 0) {
        killListed(*procs);
      }
    } while (backoff.wait());
  }

  static void killListed(const std::string& procs) {
    for (const auto line : split(procs, '\n')) {
      const long pid = std::strtol(std::string(line).c_str(), nullptr, 10);
      if (pid > 0) {
        kill(static_cast<pid_t>(pid), SIGKILL);
      }
    }
  }

  // rmdir fails with EBUSY while killed members are still exiting; retry for a bounded time.
  static void removeDir(const std::string& dir) {
    Backoff backoff;
    do {
      if (rmdir(dir.c_str()) == 0 || errno == ENOENT || errno != EBUSY) {
        return;
      }
    } while (backoff.wait());
  }

  std::vector<Group> groups_;
};

// Creates a throwaway group to check that the controller really works (then removes it).
LayerStatus probeController(Layer layer, std::string_view controller) {
  LayerStatus status{layer, false, ""};
  auto hierarchy = findHierarchy(controller);
  if (!hierarchy) {
    status.detail = hierarchy.error().message;
    return status;
  }
  const Hierarchy& h = hierarchy.value();
  auto cgroup =
      controller == "memory" ? Cgroup::create(std::uint64_t{64} << 20, 0) : Cgroup::create(0, 64);
  if (!cgroup) {
    status.detail = cgroup.error().message;
    return status;
  }
  status.available = true;
  status.detail = std::string(h.version == Version::V1 ? "cgroup v1 " : "cgroup v2 ") +
                  std::string(controller) + " at " + h.parent_dir;
  return status;
}

}  // namespace

std::size_t Cgroup::releasePooled() { return GroupPool::instance().release(); }

LayerStatus probeCgroupMemory() { return probeController(Layer::CgroupMemory, "memory"); }

LayerStatus probeCgroupPids() { return probeController(Layer::CgroupPids, "pids"); }

Result<std::unique_ptr<Cgroup>> Cgroup::create(std::uint64_t memory_bytes, std::uint32_t pids) {
  auto cgroup = std::make_unique<CgroupImpl>();  // removes what was made if a step fails
  if (memory_bytes > 0) {
    if (auto limited = cgroup->limitMemory(memory_bytes); !limited) {
      return limited.error();
    }
  }
  if (pids > 0) {
    if (auto limited = cgroup->limitPids(pids); !limited) {
      return limited.error();
    }
  }
  return std::unique_ptr<Cgroup>(std::move(cgroup));
}

}  // namespace bastion::sandbox
