#pragma once
// UniqueFd: the one owner of a kernel file descriptor. Every descriptor the program opens is
// held by one of these from the moment the syscall returns; nothing else calls close().

#include <unistd.h>

#include <utility>

namespace bastion {

class UniqueFd {
 public:
  UniqueFd() = default;
  // Takes ownership of `fd` (negative: empty, e.g. a failed open passed straight in).
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { reset(); }

  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
      reset(other.release());
    }
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  explicit operator bool() const { return valid(); }

  // Gives up ownership without closing.
  [[nodiscard]] int release() { return std::exchange(fd_, -1); }

  // Closes the held descriptor (if any) and takes `fd`. The result of close() is ignored: on
  // Linux the descriptor is released even when close reports an error, and retrying would
  // close a descriptor another thread may have received meanwhile.
  void reset(int fd = -1) {
    if (fd_ >= 0) {
      ::close(fd_);
    }
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

}  // namespace bastion
