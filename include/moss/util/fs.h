// Small POSIX filesystem helpers with explicit durability.
#pragma once

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

}  // namespace moss
