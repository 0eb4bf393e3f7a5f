// List processes: only the sandbox's own are visible (us: its init is hidden by hidepid), and
// our parent is that init, not the server.
#include <ctype.h>
#include <dirent.h>
#include <unistd.h>

#include "case.h"

int main() {
  DIR* proc = opendir("/proc");
  if (proc == NULL) {
    report("opendir", -1);
    return 0;
  }
  int processes = 0;
  while (const dirent* entry = readdir(proc)) {
    if (isdigit(static_cast<unsigned char>(entry->d_name[0]))) {
      ++processes;
    }
  }
  closedir(proc);
  printf("processes=%d\n", processes);
  printf("parent=%d\n", static_cast<int>(getppid()));  // 1: the sandbox's own init
  return 0;
}
