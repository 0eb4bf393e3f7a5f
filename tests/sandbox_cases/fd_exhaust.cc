// Open files until the descriptor table is full: the open-files limit stops us early.
#include <fcntl.h>

#include "case.h"

int main() {
  int opened = 0;
  for (; opened < 1 << 20; ++opened) {
    if (open("/dev/null", O_RDONLY | O_CLOEXEC) < 0) {
      report("open", -1);
      printf("opened_below_1024=%s\n", opened < 1024 ? "yes" : "no");
      return 0;
    }
  }
  printf("open=unbounded\n");
  return 0;
}
