// Landlock for the sandbox: the child restricts itself to what its mounts already allow, so a
// mistake in the mount steps is not an escape.
//
// Debian 12's <linux/landlock.h> stops at ABI 2, so the UAPI of ABIs 1-7 is written out here
// (include/uapi/linux/landlock.h in Linux 6.12+). The ruleset handles every right the running
// kernel's ABI knows, which makes each of them denied unless a rule grants it; rights of ABIs
// newer than 7 are unknown to this file and stay unhandled until they are added here.
#include "sandbox/landlock.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <utility>

#include "core/unique_fd.h"
#include "sandbox/sandbox.h"

namespace bastion::sandbox {
namespace {

// --- Landlock UAPI, ABI 1 to 7 -------------------------------------------------------------

// The ruleset attribute as of ABI 6. The kernel reads the prefix that the size passed with it
// covers: 8 bytes for ABI 1-3, 16 with handled_access_net (ABI 4-5), 24 with scoped (ABI 6+).
struct RulesetAttr {
  std::uint64_t handled_access_fs = 0;
  std::uint64_t handled_access_net = 0;  // ABI 4
  std::uint64_t scoped = 0;              // ABI 6
};

struct __attribute__((packed)) PathBeneathAttr {
  std::uint64_t allowed_access = 0;
  std::int32_t parent_fd = -1;
};

constexpr unsigned kCreateRulesetVersion = 1U << 0;
constexpr int kRulePathBeneath = 1;

// Filesystem rights.
constexpr std::uint64_t kFsExecute = 1ULL << 0;
constexpr std::uint64_t kFsWriteFile = 1ULL << 1;
constexpr std::uint64_t kFsReadFile = 1ULL << 2;
constexpr std::uint64_t kFsReadDir = 1ULL << 3;
constexpr std::uint64_t kFsRemoveDir = 1ULL << 4;
constexpr std::uint64_t kFsRemoveFile = 1ULL << 5;
constexpr std::uint64_t kFsMakeChar = 1ULL << 6;
constexpr std::uint64_t kFsMakeDir = 1ULL << 7;
constexpr std::uint64_t kFsMakeReg = 1ULL << 8;
constexpr std::uint64_t kFsMakeSock = 1ULL << 9;
constexpr std::uint64_t kFsMakeFifo = 1ULL << 10;
constexpr std::uint64_t kFsMakeBlock = 1ULL << 11;
constexpr std::uint64_t kFsMakeSym = 1ULL << 12;
constexpr std::uint64_t kFsRefer = 1ULL << 13;     // ABI 2
constexpr std::uint64_t kFsTruncate = 1ULL << 14;  // ABI 3
constexpr std::uint64_t kFsIoctlDev = 1ULL << 15;  // ABI 5

// Network rights (ABI 4), handled with no rule: no TCP bind or connect at all.
constexpr std::uint64_t kNetBindTcp = 1ULL << 0;
constexpr std::uint64_t kNetConnectTcp = 1ULL << 1;

// Scopes (ABI 6): no connecting to abstract unix sockets and no signals outside the domain.
constexpr std::uint64_t kScopeAbstractUnixSocket = 1ULL << 0;
constexpr std::uint64_t kScopeSignal = 1ULL << 1;

// ABI 7 adds only landlock_restrict_self() logging flags. The defaults (flags 0) suit us: a
// denial in the setup code before execve is audited, the tool's own denials after execve are
// not, so a hostile tool cannot flood the host's audit log.
constexpr unsigned kRestrictSelfFlags = 0;

constexpr int kNewestKnownAbi = 7;

// Rights that apply to a file (not only a directory); a rule on a file may hold only these.
constexpr std::uint64_t kFileRights =
    kFsExecute | kFsWriteFile | kFsReadFile | kFsTruncate | kFsIoctlDev;

// --- What each class of path may do ---------------------------------------------------------

constexpr std::uint64_t kReadExecRights = kFsExecute | kFsReadFile | kFsReadDir;
constexpr std::uint64_t kReadRights = kFsReadFile | kFsReadDir;
// The standard devices: read and write, no ioctl (ABI 5 handles IOCTL_DEV). O_TRUNC on a
// device is ignored by the kernel, so `> /dev/null` needs no TRUNCATE.
constexpr std::uint64_t kDeviceRights = kFsReadFile | kFsWriteFile;
// The scratch area: everything but creating device nodes (mknod is also refused by dropped
// capabilities; this is the second lock). EXECUTE is granted: denying it would break
// compile-and-run tools and would not stop anything, since ld.so can map and run a file that
// is merely readable.
constexpr std::uint64_t kReadWriteRights =
    kFsExecute | kFsWriteFile | kFsReadFile | kFsReadDir | kFsRemoveDir | kFsRemoveFile |
    kFsMakeDir | kFsMakeReg | kFsMakeSock | kFsMakeFifo | kFsMakeSym | kFsRefer | kFsTruncate;

std::uint64_t handledFsRights(int abi) {
  std::uint64_t rights = kFsExecute | kFsWriteFile | kFsReadFile | kFsReadDir | kFsRemoveDir |
                         kFsRemoveFile | kFsMakeChar | kFsMakeDir | kFsMakeReg | kFsMakeSock |
                         kFsMakeFifo | kFsMakeBlock | kFsMakeSym;
  if (abi >= 2) {
    rights |= kFsRefer;
  }
  if (abi >= 3) {
    rights |= kFsTruncate;
  }
  if (abi >= 5) {
    rights |= kFsIoctlDev;
  }
  return rights;
}

std::size_t rulesetAttrSize(int abi) {
  if (abi >= 6) {
    return sizeof(RulesetAttr);
  }
  if (abi >= 4) {
    return offsetof(RulesetAttr, scoped);
  }
  return offsetof(RulesetAttr, handled_access_net);
}

RulesetAttr rulesetFor(int abi) {
  RulesetAttr attr;
  attr.handled_access_fs = handledFsRights(abi);
  if (abi >= 4) {
    attr.handled_access_net = kNetBindTcp | kNetConnectTcp;
  }
  if (abi >= 6) {
    attr.scoped = kScopeAbstractUnixSocket | kScopeSignal;
  }
  return attr;
}

// Adds one path-beneath rule. A path missing inside the sandbox is skipped: it grants nothing
// that could be reached anyway. Returns 0 or errno.
int addPathRule(int ruleset_fd, const std::string& path, std::uint64_t rights,
                std::uint64_t handled) noexcept {
  UniqueFd fd(open(path.c_str(), O_PATH | O_CLOEXEC));
  if (!fd) {
    return errno == ENOENT ? 0 : errno;
  }
  struct stat st {};
  if (fstat(fd.get(), &st) != 0) {
    return errno;
  }
  PathBeneathAttr attr;
  attr.allowed_access = rights & handled;
  if (!S_ISDIR(st.st_mode)) {
    attr.allowed_access &= kFileRights;
  }
  attr.parent_fd = fd.get();
  if (attr.allowed_access == 0) {
    return 0;
  }
  if (syscall(SYS_landlock_add_rule, ruleset_fd, kRulePathBeneath, &attr, 0) != 0) {
    return errno;
  }
  return 0;
}

int addPathRules(int ruleset_fd, const std::vector<std::string>& paths, std::uint64_t rights,
                 std::uint64_t handled) noexcept {
  for (const auto& path : paths) {
    if (const int err = addPathRule(ruleset_fd, path, rights, handled); err != 0) {
      return err;
    }
  }
  return 0;
}

bool insidePath(const std::string& path) {
  return !path.empty() && path.front() == '/' && path.find('\0') == std::string::npos;
}

}  // namespace

int landlockAbi() noexcept {
  const long abi = syscall(SYS_landlock_create_ruleset, nullptr, 0, kCreateRulesetVersion);
  return abi > 0 ? static_cast<int>(abi) : 0;
}

Result<LandlockPlan> planLandlock(std::vector<std::string> read_exec_paths) {
  const int abi = landlockAbi();
  if (abi == 0) {
    return Error{SandboxError::LayerUnavailable,
                 "landlock is not available (kernel without CONFIG_SECURITY_LANDLOCK or not in "
                 "the lsm= list)"};
  }
  for (const auto& path : read_exec_paths) {
    if (!insidePath(path)) {
      return Error{SandboxError::InvalidCommand,
                   "landlock: read-only path is not absolute or holds a NUL byte"};
    }
  }
  LandlockPlan plan;
  plan.abi = abi < kNewestKnownAbi ? abi : kNewestKnownAbi;
  plan.read_exec_paths = std::move(read_exec_paths);
  plan.read_write_paths = {"/tmp"};
  plan.device_paths = {"/dev/null", "/dev/zero", "/dev/urandom"};
  plan.read_paths = {"/proc"};
  return plan;
}

int applyLandlock(const LandlockPlan& plan) noexcept {
  if (plan.abi < 1) {
    return ENOSYS;
  }
  const int abi = plan.abi < kNewestKnownAbi ? plan.abi : kNewestKnownAbi;
  const RulesetAttr attr = rulesetFor(abi);
  UniqueFd ruleset(
      static_cast<int>(syscall(SYS_landlock_create_ruleset, &attr, rulesetAttrSize(abi), 0U)));
  if (!ruleset) {
    return errno;
  }
  const std::uint64_t handled = attr.handled_access_fs;
  const std::pair<const std::vector<std::string>*, std::uint64_t> classes[] = {
      {&plan.read_exec_paths, kReadExecRights},
      {&plan.read_write_paths, kReadWriteRights},
      {&plan.device_paths, kDeviceRights},
      {&plan.read_paths, kReadRights},
  };
  for (const auto& [paths, rights] : classes) {
    if (const int err = addPathRules(ruleset.get(), *paths, rights, handled); err != 0) {
      return err;
    }
  }
  if (syscall(SYS_landlock_restrict_self, ruleset.get(), kRestrictSelfFlags) != 0) {
    return errno;
  }
  return 0;
}

}  // namespace bastion::sandbox
