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
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <utility>

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
  if (!eof_ && stdout_ >= 0) {
    // Whatever is left in the pipe counts too.
    while (fill(std::chrono::steady_clock::now() + std::chrono::milliseconds(100))) {
    }
  }
  for (const std::string& form : canaryLeaks(transcript_)) {
    ADD_FAILURE() << "the canary secret (" << form << ") is on the child's stdout";
  }
  for (const std::string& form : canaryLeaks(stderrText())) {
    ADD_FAILURE() << "the canary secret (" << form << ") is in the child's log (stderr)";
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
  transcript_.append(chunk, static_cast<std::size_t>(n));
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

namespace {

std::string base64(std::string_view in, bool url) {
  const char* alphabet = url ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
                             : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (const char ch : in) {
    const auto c = static_cast<unsigned char>(ch);
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += alphabet[(acc >> bits) & 63U];
    }
  }
  if (bits > 0) {
    out += alphabet[(acc << (6 - bits)) & 63U];
  }
  return out;  // unpadded: a prefix of the padded form too
}

std::string percentEncoded(std::string_view in) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char ch : in) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15U];
    }
  }
  return out;
}

}  // namespace

std::vector<std::string> canaryLeaks(std::string_view text) {
  const char* canary = std::getenv("BASTION_TEST_CANARY");
  std::vector<std::string> leaks;
  if (canary == nullptr || *canary == '\0') {
    return leaks;
  }
  const std::string value = canary;
  // The value inside a base64 blob, at each of the three alignments: the characters that
  // depend on the value alone (not on its neighbours).
  auto embedded = [&](std::size_t offset, bool url) {
    const std::string encoded = base64(std::string(offset, '\x01') + value, url);
    const std::size_t first = (offset * 8 + 5) / 6;
    const std::size_t end = (offset + value.size()) * 8 / 6;
    return encoded.substr(first, end - first);
  };
  const std::vector<std::pair<std::string, std::string>> forms{
      {"raw", value},
      {"base64", embedded(0, false)},
      {"base64 at offset 1", embedded(1, false)},
      {"base64 at offset 2", embedded(2, false)},
      {"base64url", embedded(0, true)},
      {"percent-encoded", percentEncoded(value)},
  };
  for (const auto& [name, form] : forms) {
    if (!form.empty() && text.find(form) != std::string_view::npos) {
      leaks.push_back(name);
    }
  }
  return leaks;
}

}  // namespace bastion::testing
