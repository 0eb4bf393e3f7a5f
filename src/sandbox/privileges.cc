// Dropping privileges in the child: bounding and ambient sets, identity, capabilities, NNP.
#include "sandbox/privileges.h"

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace bastion::sandbox {
namespace {

// Beyond any capability a kernel defines today (CAP_LAST_CAP is 40); PR_CAPBSET_DROP answers
// EINVAL past the running kernel's last one.
constexpr unsigned long kMaxCapability = 63;

}  // namespace

int dropBoundingSet() noexcept {
  for (unsigned long cap = 0; cap <= kMaxCapability; ++cap) {
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) {
      if (errno == EINVAL) {
        break;
      }
      return errno;
    }
  }
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0) {
    return errno;
  }
  return 0;
}

int switchIdentity(bool clear_groups) noexcept {
  if (clear_groups && syscall(SYS_setgroups, 0, nullptr) != 0) {
    return errno;
  }
  if (syscall(SYS_setresgid, kSandboxGid, kSandboxGid, kSandboxGid) != 0) {
    return errno;
  }
  if (syscall(SYS_setresuid, kSandboxUid, kSandboxUid, kSandboxUid) != 0) {
    return errno;
  }
  return 0;
}

int dropCapabilities() noexcept {
  __user_cap_header_struct header{};
  header.version = _LINUX_CAPABILITY_VERSION_3;
  header.pid = 0;
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
  if (syscall(SYS_capset, &header, data) != 0) {
    return errno;
  }
  return 0;
}

int setNoNewPrivs() noexcept {
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    return errno;
  }
  return 0;
}

}  // namespace bastion::sandbox
