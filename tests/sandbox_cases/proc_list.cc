// List processes: only the sandbox's own are visible, and we are alone in the pid namespace.
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
  printf("parent_visible=%s\n", getppid() == 0 ? "no" : "yes");
  return 0;
}
