// The seccomp step: each dangerous call is attempted in a child with the filter installed and
// must fail with the exact errno (or kill the child); the same attempt without the filter is
// the control that shows the refusal comes from the filter and not from the kernel.
#include "sandbox/seccomp_filter.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/audit.h>
#include <linux/keyctl.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cstddef>

#include "unit/sandbox/step_child.h"

namespace bastion::sandbox {
namespace {

using testing::ChildOutcome;
using testing::errnoOf;
using testing::runInChild;

class SeccompFilterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto built = buildSeccompFilter();
    ASSERT_TRUE(built) << built.error().message;
    program_ = built.value();
  }

  // The attempt under the filter (after PR_SET_NO_NEW_PRIVS, as the launcher does).
  template <class Attempt>
  ChildOutcome filtered(Attempt attempt) {
    const SeccompProgram* program = &program_;
    return runInChild(
        [program] {
          if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
            return errno;
          }
          return installSeccomp(*program);
        },
        attempt);
  }

  // The same attempt without any filter.
  template <class Attempt>
  static ChildOutcome unfiltered(Attempt attempt) {
    return runInChild([] { return 0; }, attempt);
  }

  // The attempt fails with `expected` under the filter and does not without it. Not as root
  // the kernel itself refuses many of these with EPERM; the control then proves nothing and
  // the test says so (CI runs as root, where every control is meaningful).
  template <class Attempt>
  void expectRefused(Attempt attempt, int expected) {
    const ChildOutcome outcome = filtered(attempt);
    ASSERT_TRUE(outcome.exited) << "killed by signal " << outcome.signal;
    EXPECT_EQ(outcome.exit_code, expected);
    const ChildOutcome control = unfiltered(attempt);
    ASSERT_TRUE(control.exited);
    if (control.exit_code == expected && geteuid() != 0) {
      GTEST_SKIP() << "not root: the kernel refuses this without the filter too";
    }
    EXPECT_NE(control.exit_code, expected) << "the kernel refuses this even without the filter";
  }

  // The attempt succeeds under the filter.
  template <class Attempt>
  void expectAllowed(Attempt attempt) {
    const ChildOutcome outcome = filtered(attempt);
    ASSERT_TRUE(outcome.exited) << "killed by signal " << outcome.signal;
    EXPECT_EQ(outcome.exit_code, 0);
  }

  SeccompProgram program_;
};

// The program starts by loading the architecture and comparing it with x86_64's.
TEST_F(SeccompFilterTest, ArchitectureIsCheckedFirst) {
  ASSERT_GE(program_.instructions.size(), 3U);
  const sock_filter& load = program_.instructions[0];
  EXPECT_EQ(load.code, BPF_LD | BPF_W | BPF_ABS);
  EXPECT_EQ(load.k, offsetof(seccomp_data, arch));
  const sock_filter& compare = program_.instructions[1];
  EXPECT_EQ(compare.code & BPF_JMP, BPF_JMP);
  EXPECT_EQ(compare.k, AUDIT_ARCH_X86_64);
}

// An empty program is refused before it reaches the kernel.
TEST_F(SeccompFilterTest, EmptyProgramIsRefused) {
  EXPECT_EQ(installSeccomp(SeccompProgram{}), EINVAL);
}

// The exported program installs in a child that set no_new_privs (as the launcher's child does).
TEST_F(SeccompFilterTest, ProgramInstalls) {
  const ChildOutcome outcome = filtered([] { return 0; });
  ASSERT_TRUE(outcome.exited);
  EXPECT_EQ(outcome.exit_code, 0);
}

// ptrace is refused (TRACEME stands for every request: the filter refuses the whole call, and
// attaching to the test process itself would stop it if the filter failed).
TEST_F(SeccompFilterTest, PtraceIsRefused) {
  expectRefused([] { return errnoOf(ptrace(PTRACE_TRACEME, 0, nullptr, nullptr)); }, EPERM);
}

// Reading another process's memory directly is refused.
TEST_F(SeccompFilterTest, ProcessVmReadvIsRefused) {
  expectRefused(
      [] {
        char byte = 0;
        iovec local{&byte, 1};
        iovec remote{&byte, 1};
        return errnoOf(process_vm_readv(getpid(), &local, 1, &remote, 1, 0));
      },
      EPERM);
}

// A new user namespace (the usual first step of a kernel exploit) is refused.
TEST_F(SeccompFilterTest, UnshareUserNamespaceIsRefused) {
  expectRefused([] { return errnoOf(unshare(CLONE_NEWUSER)); }, EPERM);
}

// Joining another namespace is refused.
TEST_F(SeccompFilterTest, SetnsIsRefused) {
  expectRefused(
      [] {
        const int fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
        return errnoOf(setns(fd, CLONE_NEWNET));
      },
      EPERM);
}

// clone with CLONE_NEWNET (a way around the refused unshare) is refused.
TEST_F(SeccompFilterTest, CloneIntoNetNamespaceIsRefused) {
  expectRefused([] { return errnoOf(syscall(SYS_clone, CLONE_NEWNET | SIGCHLD, 0, 0, 0, 0)); },
                EPERM);
}

// Every namespace flag is refused on clone, alone or mixed with ordinary flags.
TEST_F(SeccompFilterTest, CloneWithAnyNamespaceFlagIsRefused) {
  for (const int flag : {CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER,
                         CLONE_NEWPID, CLONE_NEWNET}) {
    const ChildOutcome outcome = filtered(
        [flag] { return errnoOf(syscall(SYS_clone, flag | CLONE_FILES | SIGCHLD, 0, 0, 0, 0)); });
    ASSERT_TRUE(outcome.exited);
    EXPECT_EQ(outcome.exit_code, EPERM) << "flag " << std::hex << flag;
  }
}

// clone3 hides its flags from the filter, so it answers ENOSYS (glibc then uses clone).
TEST_F(SeccompFilterTest, Clone3IsAnsweredEnosys) {
  const ChildOutcome outcome = filtered([] { return errnoOf(syscall(SYS_clone3, nullptr, 0)); });
  ASSERT_TRUE(outcome.exited);
  EXPECT_EQ(outcome.exit_code, ENOSYS);
}

// Ordinary process and thread creation still work (glibc falls back from clone3 to clone).
TEST_F(SeccompFilterTest, ForkAndThreadsStillWork) {
  expectAllowed([] {
    const pid_t pid = fork();
    if (pid == 0) {
      _exit(0);
    }
    if (pid < 0) {
      return errno;
    }
    return testing::waitChild(pid).exit_code;
  });
  expectAllowed([] {
    pthread_t thread{};
    const int rc = pthread_create(
        &thread, nullptr, [](void*) -> void* { return nullptr; }, nullptr);
    if (rc != 0) {
      return rc;
    }
    return pthread_join(thread, nullptr);
  });
}

// A raw socket (packet crafting, ICMP) is refused.
TEST_F(SeccompFilterTest, RawSocketIsRefused) {
  expectRefused([] { return errnoOf(socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)); }, EAFNOSUPPORT);
}

// TCP and UDP sockets over IPv4 and IPv6 are refused.
TEST_F(SeccompFilterTest, InetSocketIsRefused) {
  expectRefused([] { return errnoOf(socket(AF_INET, SOCK_STREAM, 0)); }, EAFNOSUPPORT);
  expectRefused([] { return errnoOf(socket(AF_INET6, SOCK_DGRAM, 0)); }, EAFNOSUPPORT);
}

// Netlink (routing, audit, netfilter: a large kernel attack surface) is refused.
TEST_F(SeccompFilterTest, NetlinkSocketIsRefused) {
  expectRefused([] { return errnoOf(socket(AF_NETLINK, SOCK_RAW, 0)); }, EAFNOSUPPORT);
}

// socketpair for a non-unix family is refused too.
TEST_F(SeccompFilterTest, InetSocketpairIsRefused) {
  const ChildOutcome outcome = filtered([] {
    int fds[2];
    return errnoOf(socketpair(AF_INET, SOCK_STREAM, 0, fds));
  });
  ASSERT_TRUE(outcome.exited);
  EXPECT_EQ(outcome.exit_code, EAFNOSUPPORT);
}

// AF_UNIX with junk in the register's upper half is not taken for AF_UNIX.
TEST_F(SeccompFilterTest, UnixFamilyWithHighBitsIsRefused) {
  const ChildOutcome outcome = filtered([] {
    const unsigned long family = (1UL << 32) | AF_UNIX;
    return errnoOf(syscall(SYS_socket, family, SOCK_STREAM, 0));
  });
  ASSERT_TRUE(outcome.exited);
  EXPECT_EQ(outcome.exit_code, EAFNOSUPPORT);
}

// Unix sockets and socketpairs keep working (pipes between tool processes, local IPC).
TEST_F(SeccompFilterTest, UnixSocketsStillWork) {
  expectAllowed([] { return errnoOf(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)); });
  expectAllowed([] {
    int fds[2];
    return errnoOf(socketpair(AF_UNIX, SOCK_DGRAM, 0, fds));
  });
}

// mount is refused before the kernel looks at the path (ENOENT without the filter).
TEST_F(SeccompFilterTest, MountIsRefused) {
  expectRefused([] { return errnoOf(mount("none", "/nonexistent-bastion", "tmpfs", 0, nullptr)); },
                EPERM);
}

// umount2, pivot_root and chroot are refused the same way.
TEST_F(SeccompFilterTest, UmountPivotRootAndChrootAreRefused) {
  expectRefused([] { return errnoOf(umount2("/nonexistent-bastion", 0)); }, EPERM);
  expectRefused(
      [] {
        return errnoOf(syscall(SYS_pivot_root, "/nonexistent-bastion", "/nonexistent-bastion"));
      },
      EPERM);
  expectRefused([] { return errnoOf(chroot("/nonexistent-bastion")); }, EPERM);
}

// The new mount API (fsopen, open_tree, ...) is refused like mount.
TEST_F(SeccompFilterTest, NewMountApiIsRefused) {
  expectRefused([] { return errnoOf(syscall(SYS_fsopen, "tmpfs", 0)); }, EPERM);
  expectRefused([] { return errnoOf(syscall(SYS_open_tree, AT_FDCWD, "/nonexistent-bastion", 0)); },
                EPERM);
  expectRefused(
      [] {
        return errnoOf(syscall(SYS_mount_setattr, AT_FDCWD, "/nonexistent-bastion", 0, nullptr, 0));
      },
      EPERM);
  // open_tree_attr (Linux 6.15) is newer than libseccomp 2.5 and refused by number.
  expectRefused(
      [] { return errnoOf(syscall(467, AT_FDCWD, "/nonexistent-bastion", 0, nullptr, 0)); }, EPERM);
}

// bpf (verifier bugs are a common kernel exploit path) is refused.
TEST_F(SeccompFilterTest, BpfIsRefused) {
  expectRefused([] { return errnoOf(syscall(SYS_bpf, 0, nullptr, 0)); }, EPERM);
}

// The keyring calls (shared kernel state, past exploits) are refused.
TEST_F(SeccompFilterTest, KeyctlIsRefused) {
  expectRefused(
      [] {
        return errnoOf(syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0));
      },
      EPERM);
  expectRefused(
      [] {
        return errnoOf(syscall(SYS_add_key, "user", "bastion", "x", 1, KEY_SPEC_PROCESS_KEYRING));
      },
      EPERM);
}

// io_uring (it bypasses syscall filtering for the operations it performs) is refused.
TEST_F(SeccompFilterTest, IoUringSetupIsRefused) {
  expectRefused([] { return errnoOf(syscall(SYS_io_uring_setup, 0, nullptr)); }, EPERM);
}

// userfaultfd (used to win kernel races) and perf_event_open are refused.
TEST_F(SeccompFilterTest, UserfaultfdAndPerfEventOpenAreRefused) {
  expectRefused([] { return errnoOf(syscall(SYS_userfaultfd, O_CLOEXEC)); }, EPERM);
  expectRefused([] { return errnoOf(syscall(SYS_perf_event_open, nullptr, 0, -1, -1, 0)); }, EPERM);
}

// Module loading is refused before the kernel checks the image.
TEST_F(SeccompFilterTest, ModuleLoadIsRefused) {
  expectRefused([] { return errnoOf(syscall(SYS_finit_module, -1, "", 0)); }, EPERM);
  expectRefused([] { return errnoOf(syscall(SYS_init_module, nullptr, 0, "")); }, EPERM);
}

// Opening files by handle (which skips path checks) is refused.
TEST_F(SeccompFilterTest, OpenByHandleIsRefused) {
  expectRefused([] { return errnoOf(syscall(SYS_open_by_handle_at, -1, nullptr, 0)); }, EPERM);
}

// TIOCSTI (typing into the server's terminal) is refused; the control on /dev/null gives ENOTTY.
TEST_F(SeccompFilterTest, TiocstiIsRefused) {
  expectRefused(
      [] {
        const int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
        char c = 'x';
        return errnoOf(ioctl(fd, TIOCSTI, &c));
      },
      EPERM);
}

// TIOCSTI with junk in the upper half of the request register is still TIOCSTI to the kernel.
TEST_F(SeccompFilterTest, TiocstiWithHighBitsIsRefused) {
  const ChildOutcome outcome = filtered([] {
    const int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    char c = 'x';
    const unsigned long request = (1UL << 32) | TIOCSTI;
    return errnoOf(syscall(SYS_ioctl, fd, request, &c));
  });
  ASSERT_TRUE(outcome.exited);
  EXPECT_EQ(outcome.exit_code, EPERM);
}

// TIOCLINUX is refused; other ioctls pass through.
TEST_F(SeccompFilterTest, TioclinuxIsRefusedOtherIoctlsAreNot) {
  expectRefused(
      [] {
        const int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
        char c = 0;
        return errnoOf(ioctl(fd, TIOCLINUX, &c));
      },
      EPERM);
  const ChildOutcome outcome = filtered([] {
    const int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    int n = 0;
    return errnoOf(ioctl(fd, FIONREAD, &n));
  });
  ASSERT_TRUE(outcome.exited);
  EXPECT_NE(outcome.exit_code, EPERM);
}

// personality(READ_IMPLIES_EXEC) (makes every readable mapping executable) is refused.
TEST_F(SeccompFilterTest, ReadImpliesExecPersonalityIsRefused) {
  expectRefused([] { return errnoOf(personality(READ_IMPLIES_EXEC)); }, EPERM);
  expectRefused([] { return errnoOf(personality(ADDR_NO_RANDOMIZE)); }, EPERM);
}

// Querying the persona and setting the default one stay allowed (glibc and runtimes do it).
TEST_F(SeccompFilterTest, PersonalityQueryIsAllowed) {
  expectAllowed([] { return errnoOf(personality(0xffffffff)); });
  expectAllowed([] { return errnoOf(personality(PER_LINUX)); });
}

// A 32-bit syscall through `int 0x80` bypasses a filter written for x86_64 numbers unless the
// architecture is checked: the filter kills the process with SIGSYS.
TEST_F(SeccompFilterTest, I386SyscallKillsTheProcess) {
  auto attempt = [] {
    long ret = 20;  // getpid in the i386 table
    asm volatile("int $0x80" : "+a"(ret) : : "memory", "r8", "r9", "r10", "r11");
    return ret > 0 ? 0 : 1;
  };
  const ChildOutcome control = unfiltered(attempt);
  ASSERT_TRUE(control.exited) << "this kernel has no i386 emulation (signal " << control.signal
                              << ")";
  EXPECT_EQ(control.exit_code, 0);
  const ChildOutcome outcome = filtered(attempt);
  EXPECT_FALSE(outcome.exited);
  EXPECT_EQ(outcome.signal, SIGSYS);
}

// An x32 syscall number (bit 30 set) is another ABI and kills the process too.
TEST_F(SeccompFilterTest, X32SyscallKillsTheProcess) {
  const ChildOutcome outcome = filtered([] { return errnoOf(syscall(0x40000000L | SYS_getpid)); });
  EXPECT_FALSE(outcome.exited);
  EXPECT_EQ(outcome.signal, SIGSYS);
}

// Ordinary calls pass: the default action is allow.
TEST_F(SeccompFilterTest, OrdinaryCallsAreAllowed) {
  expectAllowed([] {
    char buf[1];
    const int fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
    return errnoOf(fd < 0 ? -1 : read(fd, buf, 1));
  });
}

}  // namespace
}  // namespace bastion::sandbox
