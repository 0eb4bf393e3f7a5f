// Installed set-user-ID root by the test: prints the identity it actually runs with.
#include <unistd.h>

#include "case.h"

int main() {
  printf("after=%d\n", static_cast<int>(geteuid()));
  return 0;
}
