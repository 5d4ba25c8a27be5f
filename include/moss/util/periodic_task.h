// Background work repeated at a fixed interval on a thread of its own: the
// expiry sweep of abandoned multipart uploads, and any later housekeeping of
// the same shape (lifecycle rules). Its own thread keeps slow disk work off the
// network threads and lets it stop cleanly, whatever the server is doing.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace moss {

class PeriodicTask {
 public:
  // Runs `work` once at start and then every `interval` until stopped. `work`
  // must not throw (an exception is logged and the task goes on).
  PeriodicTask(std::string name, std::chrono::milliseconds interval, std::function<void()> work);
  ~PeriodicTask();  // stop()
  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;

  // Waits for a run in progress to finish; no run starts afterwards. Idempotent.
  void stop();
  // Runs `work` as soon as possible instead of at the next tick.
  void trigger();

 private:
  void loop();

  std::string name_;
  std::chrono::milliseconds interval_;
  std::function<void()> work_;
  // std::mutex, not moss::Mutex: std::condition_variable waits on it. Its
  // contract, unchecked: stopping_ and triggered_ GUARDED_BY(mutex_).
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool triggered_ = false;
  std::thread thread_;
};

}  // namespace moss
