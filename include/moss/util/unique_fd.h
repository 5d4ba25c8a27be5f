// Owning wrapper of a POSIX file descriptor.
#pragma once

#include <unistd.h>

#include <memory>
#include <utility>

namespace moss {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(std::exchange(other.fd_, -1));
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() { return std::exchange(fd_, -1); }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

// A descriptor several readers share; closed when the last of them lets go.
class SharedFd {
 public:
  SharedFd() = default;
  explicit SharedFd(UniqueFd fd) : fd_(std::make_shared<UniqueFd>(std::move(fd))) {}
  int get() const { return fd_ ? fd_->get() : -1; }
  bool valid() const { return fd_ && fd_->valid(); }

 private:
  std::shared_ptr<UniqueFd> fd_;
};

}  // namespace moss
