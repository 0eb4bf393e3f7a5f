// Follow symlinks planted in an input directory (argv[1]) that point at host secrets:
// "abs" -> /etc/shadow, "rel" -> ../../../../../etc/shadow, "dir" -> /root.
#include <fcntl.h>
#include <stdio.h>

#include "case.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    return 2;
  }
  char path[512];
  snprintf(path, sizeof path, "%s/abs", argv[1]);
  report("absolute_link", open(path, O_RDONLY | O_CLOEXEC));
  snprintf(path, sizeof path, "%s/rel", argv[1]);
  report("relative_link", open(path, O_RDONLY | O_CLOEXEC));
  snprintf(path, sizeof path, "%s/dir/.bashrc", argv[1]);
  report("directory_link", open(path, O_RDONLY | O_CLOEXEC));
  snprintf(path, sizeof path, "%s/plain.txt", argv[1]);
  report("plain_file", open(path, O_RDONLY | O_CLOEXEC));
  return 0;
}
