// Allocate and touch memory until something stops us (argv[1] MiB at most).
#include <stdlib.h>
#include <string.h>

#include "case.h"

int main(int argc, char** argv) {
  const long limit = argc > 1 ? atol(argv[1]) : 4096;
  for (long mib = 0; mib < limit; ++mib) {
    void* block = malloc(1 << 20);
    if (block == nullptr) {
      printf("malloc=NULL\n");
      return 0;
    }
    memset(block, 0xA5, 1 << 20);
  }
  printf("malloc=unbounded\n");
  return 0;
}
