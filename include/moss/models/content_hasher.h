// Computes the SHA-256 of completed multipart objects in the background.
//
// A single PUT hashes its body while it streams, but a multipart object is
// made of parts hashed one by one, and the SHA-256 of the whole is what a tag
// pins (docs/models.md). Without this, the first tag naming a 100 GB upload
// would read all of it while its client waits. Hashing here is a head start,
// never a requirement: work dropped (a full queue, a restart, stop()) is done
// by the tag write that needs it, as before.
//
// Thread-safe. One thread of its own, so at most one core and one sequential
// reader go to hashing whatever the upload rate.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <string>
#include <thread>

#include "moss/store/object_types.h"
#include "moss/util/mutex.h"

namespace moss::models {

class ModelRegistry;

class ContentHasher {
 public:
  // The name of its thread, as /proc/PID/task/TID/comm shows it.
  static constexpr const char* kThreadName = "content-hasher";

  ContentHasher(ModelRegistry& registry, size_t max_queued = 64);
  ~ContentHasher();  // stop()
  ContentHasher(const ContentHasher&) = delete;
  ContentHasher& operator=(const ContentHasher&) = delete;

  // Queues `version` of an object in `bucket` (dropped when the queue is full).
  void submit(std::string bucket, store::ObjectVersion version);
  // Drops the queue and cancels the hash in progress; waits for the thread.
  void stop();

 private:
  struct Job {
    std::string bucket;
    store::ObjectVersion version;
  };
  void run(std::stop_token stop);

  ModelRegistry& registry_;
  const size_t max_queued_;
  Mutex mutex_;
  std::condition_variable_any wake_;
  std::deque<Job> queue_ GUARDED_BY(mutex_);
  std::jthread thread_;
};

}  // namespace moss::models
