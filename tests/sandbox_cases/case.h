#pragma once
// Shared by the escape programs: each attempt prints one line "<attempt>=<outcome>", where the
// outcome is "ok" when the call succeeded (an escape) or the errno's name when it failed. The
// test that runs the program in the sandbox compares the whole output with what containment
// must produce. Plain C library only: these run inside the sandbox without sanitizers.
#include <errno.h>
#include <stdio.h>
#include <string.h>

static inline void report(const char* attempt, long rc) {
  if (rc < 0) {
    const char* name = strerrorname_np(errno);
    printf("%s=%s\n", attempt, name != NULL ? name : "unknown");
  } else {
    printf("%s=ok\n", attempt);
  }
  fflush(stdout);
}
