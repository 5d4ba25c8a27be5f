// Flushes a file to stable storage while it is still being written. On a disk
// with a volatile write cache (most virtual disks, many SSDs) fdatasync costs
// about as much again as the writing did (0.55 s per GiB on the machine of
// docs/benchmarks.md): paid only after the last byte, it adds that much to
// every large upload. Started every `step` bytes on a thread of its own, a
// flush empties the cache while the next bytes arrive, and the final fdatasync
// has only the tail left.
#pragma once

#include <cstdint>
#include <future>

namespace moss::store {

class EarlySync {
 public:
  EarlySync(int fd, uint64_t step) : fd_(fd), step_(step) {}
  ~EarlySync() { finish(); }  // the descriptor must stay open until then
  EarlySync(const EarlySync&) = delete;
  EarlySync& operator=(const EarlySync&) = delete;

  // The file now holds `written` bytes: starts a flush if `step` bytes were
  // written since the last one started and that one has finished.
  void wrote(uint64_t written);
  // Waits for the flush in progress; returns the errno of the first flush that
  // failed, 0 if none did. A failure must fail the upload: Linux reports a
  // write-back error once, to whichever sync call sees it first, so the final
  // fdatasync may not see it again.
  int finish();

 private:
  int fd_;
  uint64_t step_;
  uint64_t started_at_ = 0;
  std::future<int> flush_;
  int error_ = 0;
};

}  // namespace moss::store
