// Kernel attack surface a tool never needs: bpf, keyrings, perf, io_uring, userfaultfd,
// personality tricks, terminal injection, clock changes, reboot.
#include <linux/keyctl.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "case.h"

int main() {
  report("bpf", syscall(SYS_bpf, 0, nullptr, 0));
  report("keyctl", syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0));
  report("add_key", syscall(SYS_add_key, "user", "k", "v", 1, KEY_SPEC_SESSION_KEYRING));
  report("perf_event_open", syscall(SYS_perf_event_open, nullptr, 0, -1, -1, 0));
  report("io_uring_setup", syscall(SYS_io_uring_setup, 1, nullptr));
  report("userfaultfd", syscall(SYS_userfaultfd, 0));
  report("personality", personality(READ_IMPLIES_EXEC));
  char c = 'x';
  report("tiocsti", ioctl(0, TIOCSTI, &c));
  timespec now{};
  report("clock_settime", clock_settime(CLOCK_REALTIME, &now));
  report("reboot", syscall(SYS_reboot, 0, 0, 0, nullptr));
  return 0;
}
