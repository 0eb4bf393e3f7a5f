// Leave the new root through /proc/self/root or /proc/1/root (the host's root if /proc were
// the host's), and through the working directory of pid 1.
#include <fcntl.h>
#include <unistd.h>

#include "case.h"

int main() {
  report("self_root_shadow", open("/proc/self/root/etc/shadow", O_RDONLY | O_CLOEXEC));
  report("init_root_shadow", open("/proc/1/root/etc/shadow", O_RDONLY | O_CLOEXEC));
  report("init_cwd_root", open("/proc/1/cwd/../../../etc/shadow", O_RDONLY | O_CLOEXEC));
  char target[256] = {};
  const ssize_t n = readlink("/proc/1/root", target, sizeof target - 1);
  report("readlink_init_root", n);
  if (n >= 0) {
    printf("init_root=%s\n", target);
  }
  return 0;
}
