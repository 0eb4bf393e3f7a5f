// Fill /tmp until it is full: the tmpfs size cap (not the host's disk or memory) stops us.
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "case.h"

int main() {
  const int fd = open("/tmp/fill", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    report("open", -1);
    return 0;
  }
  static char chunk[1 << 16];
  memset(chunk, 'x', sizeof chunk);
  for (long total = 0; total < (4L << 30); total += static_cast<long>(sizeof chunk)) {
    if (write(fd, chunk, sizeof chunk) < 0) {
      report("write", -1);
      return 0;
    }
  }
  printf("write=unbounded\n");
  return 0;
}
