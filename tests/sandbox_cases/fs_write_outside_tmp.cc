// Create files outside /tmp: in the new root, in a system directory, over a binary.
#include <fcntl.h>

#include "case.h"

int main() {
  report("root", open("/escape", O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
  report("usr", open("/usr/escape", O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
  report("etc", open("/etc/escape", O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
  report("binary", open("/usr/bin/env", O_WRONLY | O_CLOEXEC));
  report("tmp", open("/tmp/allowed", O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
  return 0;
}
