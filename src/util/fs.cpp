#include "moss/util/fs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "moss/util/random_id.h"
#include "moss/util/unique_fd.h"

namespace moss {
namespace {

std::error_code last_error() { return {errno, std::generic_category()}; }

std::string parent_of(const std::string& path) {
  auto parent = std::filesystem::path(path).parent_path().string();
  return parent.empty() ? "." : parent;
}

}  // namespace

std::error_code make_directories(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  return ec;
}

std::error_code fsync_directory(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return last_error();
  if (::fsync(fd.get()) != 0) return last_error();
  return {};
}

std::error_code write_file_atomically(const std::string& path, const std::string& content,
                                      unsigned mode) {
  std::string tmp = path + ".tmp-" + random_hex(6);
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
  if (!fd.valid()) return last_error();
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd.get(), content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      auto ec = last_error();
      ::unlink(tmp.c_str());
      return ec;
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd.get()) != 0 || ::rename(tmp.c_str(), path.c_str()) != 0) {
    auto ec = last_error();
    ::unlink(tmp.c_str());
    return ec;
  }
  return fsync_directory(parent_of(path));
}

std::error_code read_file(const std::string& path, std::string& out) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return last_error();
  out.clear();
  char buf[65536];
  while (true) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return last_error();
    if (n == 0) return {};
    out.append(buf, static_cast<size_t>(n));
  }
}

FullRead pread_full(int fd, void* out, size_t size, uint64_t offset) {
  FullRead result;
  auto* bytes = static_cast<char*>(out);
  while (result.got < size) {
    const ssize_t n =
        ::pread(fd, bytes + result.got, size - result.got, static_cast<off_t>(offset + result.got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) result.error = errno;
    if (n <= 0) break;
    result.got += static_cast<size_t>(n);
  }
  return result;
}

}  // namespace moss
