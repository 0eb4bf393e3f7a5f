#pragma once
// The sandbox's seccomp filter: the architecture is checked first (a foreign-ABI syscall kills
// the process), then dangerous calls are refused. Built in the parent with libseccomp and
// exported to classic BPF, so the child installs it with one system call and no allocation.
//
// Refused with EPERM unless noted (a foreign ABI kills the process with SIGSYS):
// ptrace, process_vm_readv/writev, mount, umount2, pivot_root, chroot, move_mount, open_tree,
// open_tree_attr, fsopen, fsconfig, fsmount, fspick, mount_setattr, bpf, keyctl, add_key,
// request_key, perf_event_open, kexec_load, kexec_file_load, init_module, finit_module,
// delete_module, unshare, setns, clone with any CLONE_NEW* flag, clone3 (ENOSYS, so libc falls
// back to clone), io_uring_setup/enter/register, userfaultfd, personality (except the query and
// the default persona), socket/socketpair for any family but AF_UNIX (EAFNOSUPPORT), acct,
// swapon/off, reboot, settimeofday, clock_settime, clock_adjtime, adjtimex, syslog, quotactl,
// lookup_dcookie, name_to_handle_at, open_by_handle_at, iopl, ioperm, vhangup, the obsolete
// uselib, and ioctl(TIOCSTI, TIOCLINUX).
// The rules and their reasons: docs/sandbox.md.

#include <linux/filter.h>

#include <vector>

#include "core/error.h"

namespace bastion::sandbox {

struct SeccompProgram {
  std::vector<sock_filter> instructions;
};

// Builds the filter for the running architecture (x86_64; its x32 and i386 ABIs are refused).
// About 0.2 ms: build it once and share the program (it is immutable).
[[nodiscard]] Result<SeccompProgram> buildSeccompFilter();

// Child side, async-signal-safe: installs the program (PR_SET_NO_NEW_PRIVS must already be
// set). Returns 0 or the errno.
int installSeccomp(const SeccompProgram& program) noexcept;

}  // namespace bastion::sandbox
