#pragma once
// A child process with pipes on stdin and stdout and stderr captured to a file: for tests that
// run the real `bastion` binary. Every wait is bounded; a hung child fails the test and is
// killed by the destructor.
//
// The suite-wide canary: ctest gives every test BASTION_TEST_CANARY (a secret-shaped value;
// tests/CMakeLists.txt), every child inherits it, and configs under test may reference it as
// ${env:BASTION_TEST_CANARY}. When the child is destroyed, everything it wrote (stdout: results
// and errors; stderr: its log) is searched for the value and its base64 and percent-encoded
// forms; any of them fails the test that ran it.

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace bastion::testing {

class Child {
 public:
  explicit Child(const std::vector<std::string>& argv);
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  void write(std::string_view bytes);
  void closeStdin();
  // The next stdout line without its newline; nullopt at EOF or when the bound passes.
  std::optional<std::string> readLine(std::chrono::milliseconds bound);
  // Everything left on stdout until EOF (bounded).
  std::string readAll(std::chrono::milliseconds bound);
  // The exit status (or 128 + signal); nullopt when the bound passes.
  std::optional<int> wait(std::chrono::milliseconds bound);
  std::string stderrText() const;
  void signal(int sig);
  pid_t pid() const { return pid_; }

 private:
  bool fill(std::chrono::steady_clock::time_point deadline);

  pid_t pid_ = -1;
  int pidfd_ = -1;
  int stdin_ = -1;
  int stdout_ = -1;
  std::string stderr_path_;
  std::string buffer_;
  std::string transcript_;  // all of stdout, for the canary check
  bool eof_ = false;
  std::optional<int> status_;
};

// Runs to completion with `input` on stdin; returns {exit code, stdout, stderr}.
struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
RunResult run(const std::vector<std::string>& argv, std::string_view input = {});

// The forms of BASTION_TEST_CANARY found in `text` ("raw", "base64", ...); empty when the
// variable is unset or nothing leaked.
std::vector<std::string> canaryLeaks(std::string_view text);

}  // namespace bastion::testing
