#include "prefix_hasher.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

namespace moss::client {
namespace {

// Large enough that a read and a hasher call per block cost nothing next to
// the hashing, small enough to stay in L2/L3 between the copy and the hash.
constexpr uint64_t kBlock = 1 << 20;

// Writeback is started in steps this big (the disk sees large sequential writes).
constexpr uint64_t kWritebackStep = 32 << 20;

}  // namespace

PrefixHasher::PrefixHasher(int fd, Hasher& hasher, uint64_t from, uint64_t to)
    : fd_(fd), hasher_(hasher), from_(from), to_(to), written_end_(from) {
  thread_ = std::thread([this] { run(); });
}

PrefixHasher::~PrefixHasher() {
  {
    MutexLock lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void PrefixHasher::written_up_to(uint64_t end) {
  {
    MutexLock lock(mutex_);
    if (end <= written_end_) return;
    written_end_ = std::min(end, to_);
  }
  changed_.notify_one();
}

Result<void, std::string> PrefixHasher::finish() {
  if (thread_.joinable()) thread_.join();
  if (!error_.empty()) return fail(error_);
  return {};
}

void PrefixHasher::run() {
  std::vector<uint8_t> block(kBlock);
  uint64_t hashed = from_;
  uint64_t writeback_from = hashed;
  while (hashed < to_) {
    uint64_t available;
    {
      MutexLock lock(mutex_);
      // The wait unlocks mutex_ while it sleeps and holds it again when it returns.
      changed_.wait(mutex_, [&]() REQUIRES(mutex_) { return stopping_ || written_end_ > hashed; });
      if (stopping_) return;
      available = written_end_;
    }
    while (hashed < available) {
      const size_t want = static_cast<size_t>(std::min(kBlock, available - hashed));
      ssize_t n = ::pread(fd_, block.data(), want, static_cast<off_t>(hashed));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        error_ = n < 0 ? std::string("read: ") + std::strerror(errno)
                       : std::string("the file is shorter than what was written to it");
        return;
      }
      hasher_.update(std::span<const uint8_t>(block.data(), static_cast<size_t>(n)));
      hashed += static_cast<uint64_t>(n);
      if (hashed - writeback_from >= kWritebackStep || hashed == to_) {
        (void)::sync_file_range(fd_, static_cast<off_t>(writeback_from),
                                static_cast<off_t>(hashed - writeback_from),
                                SYNC_FILE_RANGE_WRITE);
        writeback_from = hashed;
      }
    }
  }
}

}  // namespace moss::client
