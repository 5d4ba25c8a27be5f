#include "moss/models/byte_source.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace moss::models {

Result<size_t, std::string> MemoryByteSource::read_at(uint64_t offset, std::span<uint8_t> out) {
  if (offset >= bytes_.size()) return size_t{0};
  const size_t n = std::min<uint64_t>(out.size(), bytes_.size() - offset);
  std::memcpy(out.data(), bytes_.data() + offset, n);
  return n;
}

Result<FdByteSource, std::string> FdByteSource::from_fd(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return fail(std::string("fstat: ") + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return fail(std::string("not a regular file"));
  return FdByteSource(fd, static_cast<uint64_t>(st.st_size));
}

Result<size_t, std::string> FdByteSource::read_at(uint64_t offset, std::span<uint8_t> out) {
  if (offset >= size_) return size_t{0};
  const size_t want = std::min<uint64_t>(out.size(), size_ - offset);
  size_t done = 0;
  while (done < want) {
    const ssize_t n =
        ::pread(fd_, out.data() + done, want - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(std::string("pread: ") + std::strerror(errno));
    }
    if (n == 0) break;  // the file shrank since it was measured
    done += static_cast<size_t>(n);
  }
  return done;
}

}  // namespace moss::models
