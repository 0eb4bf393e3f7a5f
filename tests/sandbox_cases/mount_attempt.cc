// Remount, mount a new filesystem, leave through pivot_root or chroot.
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "case.h"

int main() {
  report("mount_tmpfs", mount("none", "/tmp", "tmpfs", 0, nullptr));
  report("remount_rw", mount(nullptr, "/usr", nullptr, MS_REMOUNT | MS_BIND, nullptr));
  report("umount", umount2("/usr", MNT_DETACH));
  report("pivot_root", syscall(SYS_pivot_root, "/tmp", "/tmp"));
  report("chroot", chroot("/tmp"));
  return 0;
}
