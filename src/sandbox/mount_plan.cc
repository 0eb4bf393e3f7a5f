// The mount plan: built in the parent, replayed in the child one system call per operation.
#include "sandbox/mount_plan.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <set>
#include <string_view>

#include "core/unique_fd.h"

namespace bastion::sandbox {
namespace {

// The host directory the new root's tmpfs is first mounted on. It is only covered inside our own
// (private) mount namespace, and pivot_root moves the tmpfs away from it at once, so host paths
// below /tmp stay bindable through /.old-root/tmp.
constexpr std::string_view kStage = "/tmp";
constexpr std::string_view kOldRoot = "/.old-root";
constexpr std::array<std::string_view, 3> kDevices{"null", "zero", "urandom"};
constexpr std::array<std::pair<std::string_view, std::string_view>, 4> kDevLinks{{
    {"fd", "/proc/self/fd"},
    {"stdin", "/proc/self/fd/0"},
    {"stdout", "/proc/self/fd/1"},
    {"stderr", "/proc/self/fd/2"},
}};

constexpr unsigned long kSafe = MS_NOSUID | MS_NODEV;

// The host mount's flags a user namespace may not clear on a bind (noexec, atime handling).
// Keeping them also keeps noexec where the host has it.
unsigned long lockedFlags(const std::string& host_path) {
  struct statvfs vfs {};
  if (statvfs(host_path.c_str(), &vfs) != 0) {
    return 0;
  }
  unsigned long flags = 0;
  const std::array<std::pair<unsigned long, unsigned long>, 6> map{{
      {ST_NOSUID, MS_NOSUID},
      {ST_NODEV, MS_NODEV},
      {ST_NOEXEC, MS_NOEXEC},
      {ST_NOATIME, MS_NOATIME},
      {ST_NODIRATIME, MS_NODIRATIME},
      {ST_RELATIME, MS_RELATIME},
  }};
  for (const auto& [st, ms] : map) {
    if ((vfs.f_flag & st) != 0) {
      flags |= ms;
    }
  }
  return flags;
}

class Planner {
 public:
  explicit Planner(MountPlan& plan) : plan_(plan) {}

  void mount(SetupStep step, std::string source, std::string target, std::string fstype,
             unsigned long flags, std::string data = {}) {
    plan_.ops.push_back({MountOp::Kind::Mount, step, std::move(source), std::move(target),
                         std::move(fstype), flags, std::move(data)});
  }
  void op(MountOp::Kind kind, SetupStep step, std::string target, std::string source = {},
          unsigned long flags = 0) {
    plan_.ops.push_back({kind, step, std::move(source), std::move(target), {}, flags, {}});
  }
  // mkdir -p, each directory once.
  void makeDirs(const std::string& path) {
    for (std::size_t slash = path.find('/', 1); slash != std::string::npos;
         slash = path.find('/', slash + 1)) {
      makeDir(path.substr(0, slash));
    }
    makeDir(path);
  }
  void makeParentDirs(const std::string& path) {
    std::string parent = path.substr(0, path.rfind('/'));
    if (!parent.empty()) {
      makeDirs(parent);
    }
  }
  // A read-only bind of host `path` (reachable under the old root) at the same place.
  void bindReadOnly(SetupStep step, const std::string& path, unsigned long extra) {
    mount(step, std::string(kOldRoot) + path, path, {}, MS_BIND);
    mount(SetupStep::RemountReadOnly, {}, path, {},
          MS_REMOUNT | MS_BIND | MS_RDONLY | kSafe | extra | lockedFlags(path));
  }

 private:
  void makeDir(const std::string& dir) {
    if (made_.insert(dir).second) {
      op(MountOp::Kind::MakeDir, SetupStep::MakeDir, dir);
    }
  }

  MountPlan& plan_;
  std::set<std::string> made_;
};

void planNewRoot(Planner& p) {
  p.mount(SetupStep::MakeMountsPrivate, {}, "/", {}, MS_REC | MS_PRIVATE);
  p.mount(SetupStep::MountRoot, "tmpfs", std::string(kStage), "tmpfs", kSafe, "mode=0755,size=1m");
  p.op(MountOp::Kind::MakeDir, SetupStep::PivotRoot, std::string(kStage) + std::string(kOldRoot));
  p.op(MountOp::Kind::PivotRoot, SetupStep::PivotRoot, std::string(kStage) + std::string(kOldRoot),
       std::string(kStage));
  p.op(MountOp::Kind::Chdir, SetupStep::PivotRoot, "/");
}

void planSystemMounts(Planner& p, const Limits& limits) {
  p.makeDirs("/tmp");
  // Executable, as Landlock's /tmp rule is: compile-and-run tools need it, and ld.so would run
  // a merely readable file anyway. nosuid and no_new_privs keep it from raising privileges.
  p.mount(SetupStep::MountTmp, "tmpfs", "/tmp", "tmpfs", kSafe,
          "mode=1777,size=" + std::to_string(limits.tmp_bytes));
  p.makeDirs("/proc");
  // hidepid=ptraceable: only processes the viewer may ptrace are listed, which hides our pid 1
  // (non-dumpable, a copy of the server) from the command.
  p.mount(SetupStep::MountProc, "proc", "/proc", "proc", kSafe | MS_NOEXEC, "hidepid=ptraceable");
  p.makeDirs("/dev");
  p.mount(SetupStep::MountDev, "tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC,
          "mode=0755,size=64k");
  for (std::string_view name : kDevices) {
    std::string dev = "/dev/" + std::string(name);
    p.op(MountOp::Kind::MakeFile, SetupStep::MountDev, dev);
    p.mount(SetupStep::MountDev, std::string(kOldRoot) + dev, dev, {}, MS_BIND);
    p.mount(SetupStep::MountDev, {}, dev, {},
            MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NOEXEC | lockedFlags(dev));
  }
  for (const auto& [name, target] : kDevLinks) {
    p.op(MountOp::Kind::Symlink, SetupStep::MountDev, "/dev/" + std::string(name),
         std::string(target));
  }
  p.mount(SetupStep::MountDev, {}, "/dev", {},
          MS_REMOUNT | MS_BIND | MS_RDONLY | kSafe | MS_NOEXEC);
}

Result<void> planReadOnlyPath(Planner& p, MountPlan& plan, const std::string& path) {
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0) {
    return Error(SandboxError::InvalidCommand, "read-only path '" + path + "' vanished");
  }
  p.makeParentDirs(path);
  if (S_ISLNK(st.st_mode)) {
    std::string target(static_cast<std::size_t>(st.st_size) + 1, '\0');
    ssize_t n = readlink(path.c_str(), target.data(), target.size());
    if (n < 0 || static_cast<std::size_t>(n) >= target.size()) {
      return Error(SandboxError::InvalidCommand, "read-only path '" + path + "' changed");
    }
    target.resize(static_cast<std::size_t>(n));
    p.op(MountOp::Kind::Symlink, SetupStep::Symlink, path, std::move(target));
    return {};
  }
  if (S_ISDIR(st.st_mode)) {
    p.makeDirs(path);
  } else {
    p.op(MountOp::Kind::MakeFile, SetupStep::MakeMountPoint, path);
  }
  p.bindReadOnly(SetupStep::BindMount, path, 0);
  plan.read_exec_paths.push_back(path);
  return {};
}

void planFinish(Planner& p, const std::string& cwd) {
  p.op(MountOp::Kind::Unmount, SetupStep::UnmountOldRoot, std::string(kOldRoot), {}, MNT_DETACH);
  p.op(MountOp::Kind::RemoveDir, SetupStep::UnmountOldRoot, std::string(kOldRoot));
  p.mount(SetupStep::RemountReadOnly, {}, "/", {}, MS_REMOUNT | MS_BIND | MS_RDONLY | kSafe);
  p.op(MountOp::Kind::Chdir, SetupStep::Chdir, cwd);
}

const char* cstr(const std::string& s) { return s.empty() ? nullptr : s.c_str(); }

}  // namespace

Result<MountPlan> planMounts(const std::vector<std::string>& read_only_paths, const Limits& limits,
                             const std::string& cwd) {
  MountPlan plan;
  Planner p(plan);
  planNewRoot(p);
  planSystemMounts(p, limits);
  for (const std::string& path : read_only_paths) {
    auto planned = planReadOnlyPath(p, plan, path);
    if (!planned) {
      return planned.error();
    }
  }
  planFinish(p, cwd);
  return plan;
}

int applyMountOp(const MountOp& op) noexcept {
  int rc = 0;
  switch (op.kind) {
    case MountOp::Kind::Mount:
      rc = ::mount(cstr(op.source), op.target.c_str(), cstr(op.fstype), op.flags,
                   op.data.empty() ? nullptr : op.data.c_str());
      break;
    case MountOp::Kind::MakeDir:
      rc = ::mkdir(op.target.c_str(), 0755);
      if (rc != 0 && errno == EEXIST) {
        rc = 0;
      }
      break;
    case MountOp::Kind::MakeFile: {
      UniqueFd fd(::open(op.target.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644));
      rc = fd.valid() ? 0 : -1;
      break;
    }
    case MountOp::Kind::Symlink:
      rc = ::symlink(op.source.c_str(), op.target.c_str());
      break;
    case MountOp::Kind::PivotRoot:
      rc = static_cast<int>(syscall(SYS_pivot_root, op.source.c_str(), op.target.c_str()));
      break;
    case MountOp::Kind::Unmount:
      rc = ::umount2(op.target.c_str(), static_cast<int>(op.flags));
      break;
    case MountOp::Kind::RemoveDir:
      rc = ::rmdir(op.target.c_str());
      break;
    case MountOp::Kind::Chdir:
      rc = ::chdir(op.target.c_str());
      break;
  }
  return rc == 0 ? 0 : errno;
}

}  // namespace bastion::sandbox
