// The sandbox's seccomp filter, built with libseccomp in the parent and installed in the child
// with one system call.
//
// Default action ALLOW with a deny list (not default-deny): the sandbox runs arbitrary tools
// (interpreters, compilers, shells) whose syscall sets we cannot enumerate, and the other layers
// (namespaces, dropped capabilities, Landlock, rlimits) already bound what an allowed call can
// do. What the filter must stop is the kernel attack surface that those layers do not cover:
// new namespaces, mount and BPF machinery, keyrings, io_uring, ptrace, module loading, and
// other ABIs. The architecture check comes first and kills: libseccomp adds only the native
// ABI, so i386 (`int 0x80`) and x32 (syscall numbers with bit 30 set) reach the bad-arch action
// and the process dies before any rule is consulted. A foreign-ABI syscall cannot be answered
// with an errno the caller could act on sensibly, and it is never an accident.
#include "sandbox/seccomp_filter.h"

#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "core/unique_fd.h"
#include "sandbox/sandbox.h"

namespace bastion::sandbox {
namespace {

struct ContextDeleter {
  void operator()(scmp_filter_ctx ctx) const { seccomp_release(ctx); }
};
using FilterContext = std::unique_ptr<void, ContextDeleter>;

// Refused outright with EPERM. Each name is resolved through libseccomp; see kRawDenied for the
// calls newer than libseccomp 2.5's tables.
constexpr auto kDenied = std::to_array<std::string_view>(
    {// Inspecting or driving another process.
     "ptrace", "process_vm_readv", "process_vm_writev",
     // Mount machinery (old and new API) and changing the root.
     "mount", "umount2", "pivot_root", "chroot", "move_mount", "open_tree", "fsopen", "fsconfig",
     "fsmount", "fspick", "mount_setattr",
     // Namespaces (clone with CLONE_NEW* is handled by argument below).
     "unshare", "setns",
     // Kernel attack surface that no sandboxed tool needs.
     "bpf", "keyctl", "add_key", "request_key", "perf_event_open", "io_uring_setup",
     "io_uring_enter", "io_uring_register", "userfaultfd",
     // Kernel code, system state and devices.
     "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", "acct",
     "swapon", "swapoff", "reboot", "settimeofday", "clock_settime", "clock_adjtime", "adjtimex",
     "syslog", "quotactl", "lookup_dcookie",
     // File handles bypass path-based checks (Landlock, mount visibility).
     "name_to_handle_at", "open_by_handle_at",
     // Port I/O, terminal hangup and the obsolete uselib.
     "iopl", "ioperm", "vhangup", "uselib"});

// x86_64 numbers of dangerous calls libseccomp 2.5 does not know by name.
struct RawSyscall {
  std::string_view name;
  int number;
};
constexpr auto kRawDenied = std::to_array<RawSyscall>({
    {"open_tree_attr", 467},  // Linux 6.15: open_tree with mount attributes
});

// Every namespace flag clone(2) accepts. CLONE_NEWTIME is absent on purpose: clone(2) cannot
// take it (0x80 lies in the exit-signal byte), only clone3 and unshare can, and both are
// refused.
constexpr auto kCloneNamespaceFlags =
    std::to_array<std::uint64_t>({CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC,
                                  CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET});

// ioctl(2)'s request is an unsigned int: the kernel ignores the upper half of the register, so
// the comparison masks it (otherwise 1<<32|TIOCSTI would slip past).
constexpr std::uint64_t kLow32 = 0xffffffffULL;
constexpr auto kDeniedIoctls = std::to_array<std::uint64_t>({TIOCSTI, TIOCLINUX});

// One argument comparison (libseccomp's SCMP_A* macros leave datum_b implicit, which clang's
// -Wmissing-field-initializers rejects). For SCMP_CMP_MASKED_EQ, `a` is the mask, `b` the value.
constexpr scmp_arg_cmp argument(unsigned index, scmp_compare op, std::uint64_t a,
                                std::uint64_t b = 0) {
  return scmp_arg_cmp{index, op, a, b};
}

Error buildError(std::string_view what, int rc) {
  return Error{SandboxError::SystemError,
               "seccomp: " + std::string(what) + ": " + std::strerror(-rc)};
}

Result<void> denyByName(scmp_filter_ctx ctx, std::string_view name) {
  const std::string n(name);
  const int nr = seccomp_syscall_resolve_name(n.c_str());
  if (nr == __NR_SCMP_ERROR || nr < 0) {
    // Unknown to this libseccomp or absent on this architecture: nothing to refuse.
    return {};
  }
  const int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
  if (rc != 0) {
    return buildError("rule for " + n, rc);
  }
  return {};
}

Result<void> denyRaw(scmp_filter_ctx ctx, const RawSyscall& call) {
  const std::string n(call.name);
  if (seccomp_syscall_resolve_name(n.c_str()) != __NR_SCMP_ERROR) {
    return {};  // libseccomp knows it by now; denyByName covered it
  }
  const int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), call.number, 0);
  if (rc != 0) {
    return buildError("rule for " + n, rc);
  }
  return {};
}

Result<void> addPlainDenials(scmp_filter_ctx ctx) {
  for (const auto name : kDenied) {
    if (auto r = denyByName(ctx, name); !r) {
      return r;
    }
  }
  for (const auto& call : kRawDenied) {
    if (auto r = denyRaw(ctx, call); !r) {
      return r;
    }
  }
  return {};
}

// clone with any namespace flag: EPERM. clone3 passes its flags in memory the filter cannot
// read, so it answers ENOSYS and glibc falls back to clone, whose flags are checked here.
Result<void> addCloneRules(scmp_filter_ctx ctx) {
  for (const auto flag : kCloneNamespaceFlags) {
    const int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
                                    argument(0, SCMP_CMP_MASKED_EQ, flag, flag));
    if (rc != 0) {
      return buildError("rule for clone", rc);
    }
  }
  const int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
  if (rc != 0) {
    return buildError("rule for clone3", rc);
  }
  return {};
}

// Only AF_UNIX sockets: the network namespace already has no route out, but every other family
// (AF_INET raw sockets, AF_NETLINK, AF_PACKET, AF_VSOCK, AF_ALG, ...) is kernel attack surface.
// The comparison is on the full register, so AF_UNIX with junk in the upper half is refused
// too (fail closed).
Result<void> addSocketRules(scmp_filter_ctx ctx) {
  for (const int nr : {SCMP_SYS(socket), SCMP_SYS(socketpair)}) {
    const int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), nr, 1,
                                    argument(0, SCMP_CMP_NE, AF_UNIX));
    if (rc != 0) {
      return buildError("rule for socket", rc);
    }
  }
  return {};
}

// TIOCSTI pushes bytes into the input of the terminal the sandbox may have inherited (the
// classic sandbox escape); TIOCLINUX can do the same on a virtual console.
Result<void> addIoctlRules(scmp_filter_ctx ctx) {
  for (const auto request : kDeniedIoctls) {
    const int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
                                    argument(1, SCMP_CMP_MASKED_EQ, kLow32, request));
    if (rc != 0) {
      return buildError("rule for ioctl", rc);
    }
  }
  return {};
}

// personality: only the query (0xffffffff) and the default persona (0). READ_IMPLIES_EXEC,
// ADDR_NO_RANDOMIZE and the other flags weaken the process's own hardening.
//
// libseccomp 2.5 allows one comparison per argument in a rule, so "neither 0 nor 0xffffffff" is
// spelt as a union: a 32-bit value other than those two has some set bit followed (cyclically)
// by a clear bit, one rule per position; a value above 32 bits is refused by its own rule
// (the kernel would truncate it; refusing is the closed side).
Result<void> addPersonalityRules(scmp_filter_ctx ctx) {
  int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(personality), 1,
                            argument(0, SCMP_CMP_GT, kLow32));
  for (unsigned bit = 0; rc == 0 && bit < 32; ++bit) {
    const std::uint64_t set = std::uint64_t{1} << bit;
    const std::uint64_t next = std::uint64_t{1} << ((bit + 1) % 32);
    rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(personality), 1,
                          argument(0, SCMP_CMP_MASKED_EQ, set | next, set));
  }
  if (rc != 0) {
    return buildError("rule for personality", rc);
  }
  return {};
}

Result<FilterContext> makeContext() {
  FilterContext ctx(seccomp_init(SCMP_ACT_ALLOW));
  if (!ctx) {
    return Error{SandboxError::SystemError, "seccomp: seccomp_init failed"};
  }
  // seccomp_init added only the native ABI; anything else is killed before the rules run.
  int rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
  if (rc != 0) {
    return buildError("bad-arch action", rc);
  }
  if (seccomp_arch_exist(ctx.get(), SCMP_ARCH_X32) == 0 ||
      seccomp_arch_exist(ctx.get(), SCMP_ARCH_X86) == 0) {
    return Error{SandboxError::SystemError, "seccomp: a foreign ABI is in the filter"};
  }
  return ctx;
}

// libseccomp 2.5 exports only to a file descriptor: a memfd, read back whole.
Result<SeccompProgram> exportProgram(scmp_filter_ctx ctx) {
  UniqueFd fd(memfd_create("bastion-seccomp", MFD_CLOEXEC));
  if (!fd) {
    return Error{SandboxError::SystemError,
                 std::string("seccomp: memfd_create: ") + std::strerror(errno)};
  }
  if (const int rc = seccomp_export_bpf(ctx, fd.get()); rc != 0) {
    return buildError("export", rc);
  }
  struct stat st {};
  if (fstat(fd.get(), &st) != 0 || st.st_size <= 0 ||
      st.st_size % static_cast<off_t>(sizeof(sock_filter)) != 0) {
    return Error{SandboxError::SystemError, "seccomp: exported program has a bad size"};
  }
  SeccompProgram program;
  program.instructions.resize(static_cast<std::size_t>(st.st_size) / sizeof(sock_filter));
  const auto bytes = static_cast<std::size_t>(st.st_size);
  const ssize_t n = pread(fd.get(), program.instructions.data(), bytes, 0);
  if (n < 0 || static_cast<std::size_t>(n) != bytes) {
    return Error{SandboxError::SystemError, "seccomp: cannot read the exported program"};
  }
  return program;
}

}  // namespace

Result<SeccompProgram> buildSeccompFilter() {
  auto ctx = makeContext();
  if (!ctx) {
    return ctx.error();
  }
  scmp_filter_ctx c = ctx.value().get();
  for (auto step :
       {addPlainDenials, addCloneRules, addSocketRules, addIoctlRules, addPersonalityRules}) {
    if (auto r = step(c); !r) {
      return r.error();
    }
  }
  return exportProgram(c);
}

int installSeccomp(const SeccompProgram& program) noexcept {
  if (program.instructions.empty() || program.instructions.size() > BPF_MAXINSNS) {
    return EINVAL;
  }
  sock_fprog prog{};
  prog.len = static_cast<unsigned short>(program.instructions.size());
  // The kernel copies the program; it never writes through this pointer.
  prog.filter = const_cast<sock_filter*>(program.instructions.data());
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) {
    return errno;
  }
  return 0;
}

}  // namespace bastion::sandbox
