#include "moss/models/content_hasher.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <chrono>

#include "moss/models/model_registry.h"

namespace moss::models {

ContentHasher::ContentHasher(ModelRegistry& registry, size_t max_queued)
    : registry_(registry),
      max_queued_(max_queued),
      thread_([this](std::stop_token stop) { run(stop); }) {}

ContentHasher::~ContentHasher() { stop(); }

void ContentHasher::submit(std::string bucket, store::ObjectVersion version) {
  {
    MutexLock lock(mutex_);
    if (queue_.size() >= max_queued_) {
      spdlog::warn("content hasher: queue full, {}/{} will be hashed when first tagged", bucket,
                   version.key);
      return;
    }
    queue_.push_back(Job{std::move(bucket), std::move(version)});
  }
  wake_.notify_one();
}

void ContentHasher::stop() {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  wake_.notify_all();
  thread_.join();
}

void ContentHasher::run(std::stop_token stop) {
  // Named so that its reads can be told apart from the requests' in
  // /proc/PID/task/TID/io (and its CPU time in top -H).
  pthread_setname_np(pthread_self(), kThreadName);
  while (true) {
    Job job;
    {
      MutexLock lock(mutex_);
      // The wait unlocks mutex_ while it sleeps and holds it again when it returns.
      if (!wake_.wait(mutex_, stop, [this]() REQUIRES(mutex_) { return !queue_.empty(); })) {
        return;
      }
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    const auto started = std::chrono::steady_clock::now();
    auto hashed =
        registry_.ensure_content_sha256(job.bucket, job.version, stop, HashedBy::kBackground);
    if (stop.stop_requested()) return;
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (!hashed) {
      spdlog::warn("content hasher: {}/{}: {}", job.bucket, job.version.key,
                   hashed.error().message);
    } else {
      spdlog::info("content hasher: {}/{} ({} bytes) hashed in {:.1f} s", job.bucket,
                   job.version.key, job.version.size, seconds);
    }
  }
}

}  // namespace moss::models
