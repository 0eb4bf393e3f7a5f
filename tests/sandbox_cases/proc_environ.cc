// Read the server's environment (where its API keys live) through /proc/<server pid>/environ,
// and check that nothing of it reached our own environment either.
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "case.h"

int main(int argc, char** argv) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%s/environ", argc > 1 ? argv[1] : "0");
  report("server_environ", open(path, O_RDONLY | O_CLOEXEC));
  printf("canary=%s\n", getenv("BASTION_SANDBOX_CANARY") != NULL ? "present" : "absent");
  return 0;
}
