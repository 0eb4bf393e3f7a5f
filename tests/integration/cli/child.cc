#include "integration/cli/child.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <sstream>

extern char** environ;

namespace bastion::testing {
namespace {

int msLeft(std::chrono::steady_clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

}  // namespace

Child::Child(const std::vector<std::string>& argv) {
  static std::atomic<int> counter{0};
  stderr_path_ = ::testing::TempDir() + "/bastion-child-" + std::to_string(getpid()) + "-" +
                 std::to_string(counter++) + ".err";
  int in[2];
  int out[2];
  EXPECT_EQ(pipe2(in, O_CLOEXEC), 0);
  EXPECT_EQ(pipe2(out, O_CLOEXEC), 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_addopen(&actions, 2, stderr_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  std::vector<char*> args;
  for (const std::string& a : argv) {
    args.push_back(const_cast<char*>(a.c_str()));
  }
  args.push_back(nullptr);
  EXPECT_EQ(posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  close(in[0]);
  close(out[1]);
  stdin_ = in[1];
  stdout_ = out[0];
  pidfd_ = static_cast<int>(syscall(SYS_pidfd_open, pid_, 0));
  EXPECT_GE(pidfd_, 0);
}

Child::~Child() {
  if (!status_ && pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  for (int fd : {stdin_, stdout_, pidfd_}) {
    if (fd >= 0) {
      close(fd);
    }
  }
  unlink(stderr_path_.c_str());
}

void Child::write(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(stdin_, bytes.data(), bytes.size());
    ASSERT_GT(n, 0) << "child stdin closed";
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

void Child::closeStdin() {
  if (stdin_ >= 0) {
    close(stdin_);
    stdin_ = -1;
  }
}

bool Child::fill(std::chrono::steady_clock::time_point deadline) {
  pollfd p{stdout_, POLLIN, 0};
  if (poll(&p, 1, msLeft(deadline)) <= 0) {
    return false;
  }
  char chunk[65536];
  ssize_t n = ::read(stdout_, chunk, sizeof chunk);
  if (n <= 0) {
    eof_ = true;
    return false;
  }
  buffer_.append(chunk, static_cast<std::size_t>(n));
  return true;
}

std::optional<std::string> Child::readLine(std::chrono::milliseconds bound) {
  auto deadline = std::chrono::steady_clock::now() + bound;
  for (;;) {
    if (auto nl = buffer_.find('\n'); nl != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      return line;
    }
    if (eof_ || !fill(deadline)) {
      return std::nullopt;
    }
  }
}

std::string Child::readAll(std::chrono::milliseconds bound) {
  auto deadline = std::chrono::steady_clock::now() + bound;
  while (!eof_ && fill(deadline)) {
  }
  EXPECT_TRUE(eof_) << "stdout not closed within the bound";
  return std::exchange(buffer_, {});
}

std::optional<int> Child::wait(std::chrono::milliseconds bound) {
  if (status_) {
    return status_;
  }
  pollfd p{pidfd_, POLLIN, 0};
  if (poll(&p, 1, static_cast<int>(bound.count())) <= 0) {
    return std::nullopt;
  }
  int status = 0;
  waitpid(pid_, &status, 0);
  status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return status_;
}

std::string Child::stderrText() const {
  std::ifstream f(stderr_path_);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

void Child::signal(int sig) { kill(pid_, sig); }

RunResult run(const std::vector<std::string>& argv, std::string_view input) {
  Child child(argv);
  child.write(input);
  child.closeStdin();
  RunResult r;
  r.out = child.readAll(std::chrono::seconds(30));
  r.exit_code = child.wait(std::chrono::seconds(30)).value_or(-1);
  r.err = child.stderrText();
  return r;
}

}  // namespace bastion::testing
