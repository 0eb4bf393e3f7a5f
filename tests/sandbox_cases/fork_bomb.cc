// Fork until something stops us; every child waits forever. The process-count limit stops it.
#include <signal.h>
#include <unistd.h>

#include "case.h"

int main() {
  for (int i = 0; i < 100000; ++i) {
    const pid_t pid = fork();
    if (pid == 0) {
      pause();
      _exit(0);
    }
    if (pid < 0) {
      report("fork", -1);
      return 0;
    }
  }
  printf("fork=unbounded\n");
  return 0;
}
