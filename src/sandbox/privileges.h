#pragma once
// Child side, async-signal-safe (raw system calls only: glibc's set*id wrappers signal every
// thread of the process, and the child's copy of the thread list is stale). Each returns 0 or
// the errno. Order matters: the bounding set needs CAP_SETPCAP, so it goes before the identity
// switch, which (as root) clears the other capability sets by itself.

#include <sys/types.h>

namespace bastion::sandbox {

// The uid and gid the command runs as inside the sandbox: nobody, never root. As root, the host
// ids are switched to these; without root, the user namespace maps the caller's ids to them.
inline constexpr uid_t kSandboxUid = 65534;
inline constexpr gid_t kSandboxGid = 65534;

// Every capability out of the bounding set, and the ambient set cleared.
int dropBoundingSet() noexcept;
// setgroups({}) when `clear_groups` (as root; a user namespace has setgroups denied), then
// setresgid and setresuid to the sandbox ids.
int switchIdentity(bool clear_groups) noexcept;
// capset with empty permitted, effective and inheritable sets.
int dropCapabilities() noexcept;
int setNoNewPrivs() noexcept;

}  // namespace bastion::sandbox
