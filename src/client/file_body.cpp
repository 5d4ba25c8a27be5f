#include "moss/client/file_body.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace moss::client {

Result<size_t, std::string> FileRangeSource::read(std::span<uint8_t> out) {
  const uint64_t left = length_ - position_;
  const size_t want = static_cast<size_t>(std::min<uint64_t>(out.size(), left));
  if (want == 0) return size_t{0};
  while (true) {
    ssize_t n = ::pread(fd_, out.data(), want, static_cast<off_t>(offset_ + position_));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(std::string("read: ") + std::strerror(errno));
    if (n == 0) return fail(std::string("the file is shorter than it was (changed while sent?)"));
    position_ += static_cast<uint64_t>(n);
    return static_cast<size_t>(n);
  }
}

std::error_code HashingFileSink::write(std::span<const uint8_t> data) {
  const uint8_t* p = data.data();
  size_t left = data.size();
  while (left) {
    ssize_t n = ::write(fd_, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return {errno, std::generic_category()};
    p += n;
    left -= static_cast<size_t>(n);
  }
  if (hasher_) hasher_->update(data);
  written_ += data.size();
  if (on_written) on_written(data.size());
  return {};
}

std::error_code PositionedFileSink::write(std::span<const uint8_t> data) {
  const uint8_t* p = data.data();
  size_t left = data.size();
  while (left) {
    ssize_t n = ::pwrite(fd_, p, left, static_cast<off_t>(offset_ + written_));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return {errno, std::generic_category()};
    p += n;
    left -= static_cast<size_t>(n);
    written_ += static_cast<uint64_t>(n);
  }
  if (on_written) return on_written(data.size());
  return {};
}

Result<void, std::string> hash_range(int fd, uint64_t offset, uint64_t length, Hasher& hasher,
                                     const std::function<void(uint64_t)>& on_read) {
  std::vector<uint8_t> buffer(1 << 20);
  FileRangeSource source(fd, offset, length);
  while (true) {
    auto n = source.read(buffer);
    if (!n) return fail(n.error());
    if (*n == 0) return {};
    hasher.update(std::span<const uint8_t>(buffer.data(), *n));
    if (on_read) on_read(*n);
  }
}

}  // namespace moss::client
