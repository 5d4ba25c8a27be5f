// Small POSIX filesystem helpers with explicit durability.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <system_error>

namespace moss {

// mkdir -p; existing directories are fine.
std::error_code make_directories(const std::string& path);
// fsync of a directory, making renames and unlinks inside it durable.
std::error_code fsync_directory(const std::string& path);
// Writes `content` to `path` atomically and durably (temp file, fsync, rename,
// directory fsync) with the given mode.
std::error_code write_file_atomically(const std::string& path, const std::string& content,
                                      unsigned mode);
std::error_code read_file(const std::string& path, std::string& out);

// pread(2) of `size` bytes at `offset`, retried over short reads and EINTR. It
// stops early only at the end of the file (`got` < size, `error` 0) or on a
// failed read (`error` is its errno).
struct FullRead {
  size_t got = 0;
  int error = 0;
};
FullRead pread_full(int fd, void* out, size_t size, uint64_t offset);

}  // namespace moss
