// Load or remove a kernel module, the shortest path from root to the kernel.
#include <sys/syscall.h>
#include <unistd.h>

#include "case.h"

int main() {
  report("init_module", syscall(SYS_init_module, nullptr, 0, ""));
  report("finit_module", syscall(SYS_finit_module, 0, "", 0));
  report("delete_module", syscall(SYS_delete_module, "ext4", 0));
  report("kexec_load", syscall(SYS_kexec_load, 0, 0, nullptr, 0));
  return 0;
}
