// Removes files on a thread of its own. Removing a large file frees its
// extents, which took ext4 0.4-0.5 s for a 1 GiB upload whose identical bytes
// were already stored (the new copy is not needed): no request should wait for
// that. A file still queued when the process dies is a temporary file, which
// the next start sweeps (LocalBlobStore::open).
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

namespace moss::store {

class BackgroundUnlink {
 public:
  BackgroundUnlink() = default;
  ~BackgroundUnlink();  // removes what is queued, then stops
  BackgroundUnlink(const BackgroundUnlink&) = delete;
  BackgroundUnlink& operator=(const BackgroundUnlink&) = delete;

  // Queues `path` for removal; the thread starts with the first one.
  void remove(std::string path);
  // Returns once every file queued so far is gone.
  void wait_idle();

 private:
  void run();

  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::string> queue_;
  bool busy_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace moss::store
