// Looking at what a store test left behind: files under a directory, and the
// bytes behind a descriptor or an opened object.
#pragma once

#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>

#include "moss/store/object_store.h"

namespace moss::testing {

// Regular files anywhere under `dir` (0 when it does not exist).
inline size_t count_files(const std::string& dir) {
  size_t n = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       it != std::filesystem::recursive_directory_iterator(); ++it) {
    if (it->is_regular_file()) ++n;
  }
  return n;
}

// Everything `fd` holds, read from offset 0.
inline std::string read_fd(int fd) {
  std::string out;
  char buf[4096];
  off_t offset = 0;
  while (true) {
    ssize_t n = ::pread(fd, buf, sizeof buf, offset);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
    offset += n;
  }
  return out;
}

// An opened object's bytes, its segments in order.
inline std::string read_all(const store::OpenedObject& opened) {
  std::string out;
  for (const auto& fd : opened.segments) out += read_fd(fd.get());
  return out;
}

// The blob files under `data_dir` once every blob `store` released is gone:
// at once on a store of its own; on one shared with other replicas
// (PostgreSQL), after a garbage collection with no grace period.
inline size_t count_blob_files(store::ObjectStore& store, const std::string& data_dir) {
  if (store.shared()) (void)store.collect_garbage(std::chrono::seconds(0));
  return count_files(data_dir + "/blobs");
}

}  // namespace moss::testing
