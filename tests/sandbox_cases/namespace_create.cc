// Create namespaces (user namespaces are the usual first step of a kernel exploit) or join one.
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "case.h"

int main() {
  report("unshare_user", unshare(CLONE_NEWUSER));
  report("unshare_net", unshare(CLONE_NEWNET));
  report("unshare_mount", unshare(CLONE_NEWNS));
  const long child = syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, nullptr, nullptr, nullptr, nullptr);
  if (child == 0) {
    _exit(0);  // the escape succeeded; the parent reports it
  }
  report("clone_newpid", child);
  report("setns", setns(0, 0));
  return 0;
}
