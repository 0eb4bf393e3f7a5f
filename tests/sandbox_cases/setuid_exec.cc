// Exec a set-user-ID binary (argv[1]) hoping to gain its owner's identity.
#include <unistd.h>

#include "case.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    return 2;
  }
  printf("before=%d\n", static_cast<int>(geteuid()));
  fflush(stdout);
  char* const args[] = {argv[1], nullptr};
  char* const env[] = {nullptr};
  report("execve", execve(argv[1], args, env));
  return 0;
}
