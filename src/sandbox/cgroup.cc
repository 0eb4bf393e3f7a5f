// Memory and process-count limits through cgroups.
//
// Where: see cgroup_hierarchy.h. Each run gets its own group, created as a child of the
// server's own cgroup for that controller (so the server's limits still bound the runs), named
// bastion-<server pid>-<counter>; in v2 memory and pids share one directory.
//
// No silent downgrade: a limit that is asked for and cannot be set fails create() with
// LayerUnavailable and the reason; nothing is created then.
//
// Reuse: a run's groups, once emptied, go to a small pool and the next run takes them (limits
// written anew; the counters a limit check reads, which only grow, are read as differences
// from their value when the limit was set). A group that cannot take its new limit (a v1
// memory group still charged above it) is removed and a fresh one made.
#include "sandbox/cgroup.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
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

#include "sandbox/cgroup_hierarchy.h"

namespace bastion::sandbox {
namespace {

using namespace cgroupfs;  // NOLINT: the small file and hierarchy helpers of this step

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

// Groups a server that died without cleaning up left behind (bastion-<pid>-<n> of a pid that
// no longer exists, and empty): removed whenever a new group is made beside them (rare: emptied
// groups are reused). A live server's groups are never touched: its pid exists. An entry that
// is not empty, or not ours by name, stays.
void removeStaleGroups(const std::string& parent_dir) {
  DIR* dir = opendir(parent_dir.c_str());
  if (dir == nullptr) {
    return;
  }
  std::vector<std::string> stale;
  while (const dirent* entry = readdir(dir)) {
    const std::string_view name = entry->d_name;
    if (!name.starts_with("bastion-")) {
      continue;
    }
    const std::string_view rest = name.substr(8);
    const std::size_t dash = rest.find('-');
    if (dash == 0 || dash == std::string_view::npos) {
      continue;
    }
    const long pid = std::strtol(std::string(rest.substr(0, dash)).c_str(), nullptr, 10);
    if (pid <= 0 || pid == getpid() || kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) {
      continue;  // ours, alive, or not ours to judge (EPERM: someone else's live process)
    }
    stale.push_back(parent_dir + "/" + std::string(name));
  }
  closedir(dir);
  for (const std::string& path : stale) {
    if (readFile(path + "/cgroup.procs").value_or("x").empty()) {
      rmdir(path.c_str());
    }
  }
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
    removeStaleGroups(hierarchy.parent_dir);
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
