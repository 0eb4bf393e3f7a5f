// Signal the server (argv[1] is its host pid) and every process we can reach.
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "case.h"

int main(int argc, char** argv) {
  const pid_t server = argc > 1 ? static_cast<pid_t>(atoi(argv[1])) : 0;
  report("kill_server", kill(server, SIGKILL));
  report("kill_parent", getppid() > 0 ? kill(getppid(), SIGKILL) : (errno = ESRCH, -1));
  report("kill_all", kill(-1, SIGKILL));  // reaches only processes inside the sandbox
  return 0;
}
