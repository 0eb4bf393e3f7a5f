// Ignore SIGTERM, fork a detached grandchild that also ignores it, and never exit: the timeout
// must kill every one of them. argv[1] is a marker the test looks for among host processes.
#include <signal.h>
#include <unistd.h>

#include "case.h"

int main(int argc, char** argv) {
  (void)argc;
  (void)argv;
  signal(SIGTERM, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  signal(SIGINT, SIG_IGN);
  if (fork() == 0) {
    setsid();
    if (fork() == 0) {
      for (;;) {
        pause();
      }
    }
    _exit(0);
  }
  printf("started\n");
  fflush(stdout);
  for (;;) {
    pause();
  }
}
