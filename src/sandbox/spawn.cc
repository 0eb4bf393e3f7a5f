// Starting a sandboxed child: pipes, clone, id maps, the parent's hook, go.
#include "sandbox/spawn.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "core/fd_io.h"
#include "sandbox/privileges.h"

namespace bastion::sandbox {
namespace {

Error systemError(const std::string& what, int err) {
  return Error(SandboxError::SystemError, what + ": " + std::strerror(err));
}

// Moves a descriptor numbered 0-2 (the server started with a standard stream closed) above 2.
Result<UniqueFd> aboveStdio(UniqueFd fd) {
  if (fd.get() > STDERR_FILENO) {
    return fd;
  }
  UniqueFd moved(fcntl(fd.get(), F_DUPFD_CLOEXEC, STDERR_FILENO + 1));
  if (!moved.valid()) {
    return systemError("fcntl(F_DUPFD_CLOEXEC)", errno);
  }
  return moved;
}

Result<void> writeProcFile(pid_t pid, const char* name, const std::string& content) {
  std::string path = "/proc/" + std::to_string(pid) + "/" + name;
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd.valid() || !writeAll(fd.get(), content)) {
    return systemError(std::string("writing the child's ") + name, errno);
  }
  return {};
}

// The caller's uid and gid become the sandbox's nobody inside the new user namespace;
// setgroups is denied first (an unprivileged gid_map requires it, and it keeps the command from
// dropping a supplementary group to reach files that group is denied).
Result<void> writeIdMaps(pid_t pid) {
  if (auto r = writeProcFile(pid, "setgroups", "deny"); !r) {
    return r;
  }
  if (auto r = writeProcFile(pid, "uid_map",
                             std::to_string(kSandboxUid) + " " + std::to_string(geteuid()) + " 1");
      !r) {
    return r;
  }
  return writeProcFile(pid, "gid_map",
                       std::to_string(kSandboxGid) + " " + std::to_string(getegid()) + " 1");
}

}  // namespace

Result<Pipe> makePipe() {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    return systemError("pipe2", errno);
  }
  auto read = aboveStdio(UniqueFd(fds[0]));
  auto write = aboveStdio(UniqueFd(fds[1]));
  if (!read || !write) {
    return !read ? read.error() : write.error();
  }
  return Pipe{std::move(read).value(), std::move(write).value()};
}

bool runningAsRoot() { return geteuid() == 0; }

Result<SandboxChild> spawnSandbox(ChildPlan& plan, std::uint64_t clone_flags,
                                  const std::function<Result<void>(pid_t)>& before_go) {
  auto start_pipe = makePipe();
  auto report_pipe = makePipe();
  if (!start_pipe || !report_pipe) {
    return !start_pipe ? start_pipe.error() : report_pipe.error();
  }
  Pipe start = std::move(start_pipe).value();
  Pipe report = std::move(report_pipe).value();
  plan.start_fd = start.read.get();
  plan.report_fd = report.write.get();
  const bool user_ns = !runningAsRoot();
  auto process =
      ChildProcess::spawn(clone_flags | (user_ns ? CLONE_NEWUSER : 0), &childMain, &plan);
  if (!process) {
    return process.error();
  }
  SandboxChild child{std::move(process).value(), std::move(report.read), {}};
  start.read.reset();
  report.write.reset();
  if (user_ns) {
    if (auto maps = writeIdMaps(child.process.pid()); !maps) {
      return maps.error();  // ~ChildProcess kills and reaps
    }
  }
  if (before_go) {
    if (auto ready = before_go(child.process.pid()); !ready) {
      return ready.error();
    }
  }
  if (!writeAll(start.write.get(), "g")) {
    return systemError("starting the child", errno);
  }
  child.start = std::move(start.write);
  return child;
}

std::vector<ChildReport> readReports(int fd) {
  std::vector<ChildReport> reports;
  ChildReport report;
  for (;;) {
    ssize_t n = ::read(fd, &report, sizeof(report));
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n != static_cast<ssize_t>(sizeof(report))) {
      return reports;  // end of file (or a torn record, which a child never writes)
    }
    reports.push_back(report);
  }
}

}  // namespace bastion::sandbox
