// The parent's poll loop over stdin, stdout, stderr and the child's pidfd.
#include "sandbox/io_pump.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

namespace bastion::sandbox {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::chrono::milliseconds kCancelPollInterval{50};
constexpr std::size_t kReadChunk = 16384;
// After the child exited, how long past the deadline the pipes may take to reach end of file
// (what was written before a timeout kill is still collected).
constexpr std::chrono::milliseconds kDrainGrace{1000};

void setNonBlocking(const UniqueFd& fd) {
  if (fd.valid()) {
    fcntl(fd.get(), F_SETFL, fcntl(fd.get(), F_GETFL) | O_NONBLOCK);
  }
}

// A write to a pipe whose reader died raises SIGPIPE in the writing thread. The server ignores
// SIGPIPE, but a library must not rely on that: block it in this thread for the pump and swallow
// a SIGPIPE the pump itself caused.
class SigpipeBlocked {
 public:
  SigpipeBlocked() {
    sigset_t pipe_only;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_only, &saved_);
  }
  ~SigpipeBlocked() {
    sigset_t pending;
    sigpending(&pending);
    if (!was_pending_ && sigismember(&pending, SIGPIPE) == 1) {
      sigset_t pipe_only;
      sigemptyset(&pipe_only);
      sigaddset(&pipe_only, SIGPIPE);
      timespec zero{};
      sigtimedwait(&pipe_only, nullptr, &zero);
    }
    pthread_sigmask(SIG_SETMASK, &saved_, nullptr);
  }
  SigpipeBlocked(const SigpipeBlocked&) = delete;
  SigpipeBlocked& operator=(const SigpipeBlocked&) = delete;

 private:
  sigset_t saved_;
  bool was_pending_ = false;
};

// Reads what is there; closes `fd` at end of file or on error.
void drain(UniqueFd& fd, CapturedStream& stream, std::uint64_t cap) {
  std::array<char, kReadChunk> buffer;
  for (;;) {
    ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0 && errno == EAGAIN) {
      return;
    }
    if (n <= 0) {
      fd.reset();
      return;
    }
    auto room = static_cast<std::size_t>(cap - std::min<std::uint64_t>(cap, stream.data.size()));
    auto got = static_cast<std::size_t>(n);
    stream.data.append(buffer.data(), std::min(room, got));
    stream.truncated = stream.truncated || got > room;
  }
}

// Writes what the pipe takes; closes `fd` when everything was written or the reader is gone.
void feed(UniqueFd& fd, std::string_view& pending) {
  while (!pending.empty()) {
    ssize_t n = ::write(fd.get(), pending.data(), pending.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0 && errno == EAGAIN) {
      return;
    }
    if (n < 0) {
      break;  // EPIPE: the command does not read its input; that is its business
    }
    pending.remove_prefix(static_cast<std::size_t>(n));
  }
  fd.reset();
}

class Pump {
 public:
  Pump(ChildProcess& child, PumpIo io, std::string_view stdin_data, std::uint64_t cap,
       Clock::time_point deadline, const std::function<bool()>& cancelled)
      : child_(child),
        io_(std::move(io)),
        pending_(stdin_data),
        cap_(cap),
        deadline_(deadline),
        cancelled_(cancelled) {
    setNonBlocking(io_.stdin_write);
    setNonBlocking(io_.stdout_read);
    setNonBlocking(io_.stderr_read);
    if (pending_.empty()) {
      io_.stdin_write.reset();
    }
  }

  Result<PumpResult> run() {
    while (!exited_ || io_.stdout_read.valid() || io_.stderr_read.valid()) {
      if (exited_ && Clock::now() >= deadline_ + kDrainGrace) {
        break;  // every writer died with the namespace; do not trust that forever
      }
      checkStop();
      std::array<pollfd, 4> fds{};
      std::size_t count = collect(fds);
      int ready = ::poll(fds.data(), count, waitMillis());
      if (ready < 0 && errno != EINTR) {
        int err = errno;
        child_.kill();
        return Error(SandboxError::SystemError, std::string("poll: ") + std::strerror(err));
      }
      if (ready > 0) {
        dispatch(fds, count);
      }
    }
    return std::move(result_);
  }

 private:
  void checkStop() {
    if (result_.stopped != LimitHit::None) {
      return;
    }
    if (Clock::now() >= deadline_) {
      stop(LimitHit::Timeout);
    } else if (cancelled_ && cancelled_()) {
      stop(LimitHit::Cancelled);
    }
  }
  void stop(LimitHit why) {
    result_.stopped = exited_ ? LimitHit::None : why;
    child_.kill();
    io_.stdin_write.reset();
  }

  std::size_t collect(std::array<pollfd, 4>& fds) const {
    std::size_t n = 0;
    if (!exited_) {
      fds[n++] = {child_.pidfd(), POLLIN, 0};
    }
    for (const UniqueFd* fd : {&io_.stdout_read, &io_.stderr_read}) {
      if (fd->valid()) {
        fds[n++] = {fd->get(), POLLIN, 0};
      }
    }
    if (io_.stdin_write.valid()) {
      fds[n++] = {io_.stdin_write.get(), POLLOUT, 0};
    }
    return n;
  }

  int waitMillis() const {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - Clock::now());
    auto wait = std::clamp(left + std::chrono::milliseconds(1), std::chrono::milliseconds(0),
                           kCancelPollInterval);
    if (result_.stopped != LimitHit::None) {
      wait = kCancelPollInterval;  // killed: only waiting for the kernel to finish
    }
    return static_cast<int>(wait.count());
  }

  void dispatch(const std::array<pollfd, 4>& fds, std::size_t count) {
    for (std::size_t i = 0; i < count; ++i) {
      if (fds[i].revents == 0) {
        continue;
      }
      int fd = fds[i].fd;
      if (fd == child_.pidfd()) {
        exited_ = true;
      } else if (fd == io_.stdout_read.get()) {
        drain(io_.stdout_read, result_.out, cap_);
      } else if (fd == io_.stderr_read.get()) {
        drain(io_.stderr_read, result_.err, cap_);
      } else if (fd == io_.stdin_write.get()) {
        feed(io_.stdin_write, pending_);
      }
    }
  }

  ChildProcess& child_;
  PumpIo io_;
  std::string_view pending_;
  std::uint64_t cap_;
  Clock::time_point deadline_;
  const std::function<bool()>& cancelled_;
  bool exited_ = false;
  PumpResult result_;
};

}  // namespace

Result<PumpResult> pumpUntilExit(ChildProcess& child, PumpIo io, std::string_view stdin_data,
                                 std::uint64_t output_cap, Clock::time_point deadline,
                                 const std::function<bool()>& cancelled) {
  SigpipeBlocked no_sigpipe;
  return Pump(child, std::move(io), stdin_data, output_cap, deadline, cancelled).run();
}

}  // namespace bastion::sandbox
