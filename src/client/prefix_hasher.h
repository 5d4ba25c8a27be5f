// Hashes a file in order while other threads are still writing it, possibly
// out of order: writers report how far the written prefix reaches, and a
// thread of its own reads that prefix back (from the page cache, with pread)
// and feeds the hasher. So a download's SHA-256 costs no time on the threads
// receiving it, and the hash is ready moments after the last byte lands.
//
// It also starts the kernel's writeback of what it has hashed
// (sync_file_range), so the fsync before the rename has little left to do.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <string>
#include <thread>

#include "moss/util/digest.h"
#include "moss/util/mutex.h"
#include "moss/util/result.h"

namespace moss::client {

class PrefixHasher {
 public:
  // Hashes [from, to) of `fd` into `hasher`, both of which outlive this.
  PrefixHasher(int fd, Hasher& hasher, uint64_t from, uint64_t to);
  ~PrefixHasher() EXCLUDES(mutex_);  // stops without waiting for the rest
  PrefixHasher(const PrefixHasher&) = delete;
  PrefixHasher& operator=(const PrefixHasher&) = delete;

  // Bytes [from, end) are written. Calls may come from any thread; a smaller
  // end than before is ignored.
  void written_up_to(uint64_t end) EXCLUDES(mutex_);

  // Waits until [from, to) is hashed; the pread error text if one failed.
  Result<void, std::string> finish();

 private:
  void run() EXCLUDES(mutex_);

  const int fd_;
  Hasher& hasher_;
  const uint64_t from_;
  const uint64_t to_;
  Mutex mutex_;
  std::condition_variable_any changed_;
  uint64_t written_end_ GUARDED_BY(mutex_);
  bool stopping_ GUARDED_BY(mutex_) = false;
  std::string error_;  // written by the hashing thread only, read after it ended
  std::thread thread_;
};

}  // namespace moss::client
