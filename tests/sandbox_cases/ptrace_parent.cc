// Attach to the parent (or anything) with ptrace, and read another process's memory.
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <unistd.h>

#include "case.h"

int main() {
  report("attach_parent", ptrace(PTRACE_ATTACH, getppid(), nullptr, nullptr));
  report("attach_init", ptrace(PTRACE_ATTACH, 1, nullptr, nullptr));
  report("traceme", ptrace(PTRACE_TRACEME, 0, nullptr, nullptr));
  char buffer[8];
  iovec local{buffer, sizeof buffer};
  iovec remote{reinterpret_cast<void*>(0x400000), sizeof buffer};
  report("vm_readv", process_vm_readv(1, &local, 1, &remote, 1, 0));
  return 0;
}
