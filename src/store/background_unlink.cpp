#include "background_unlink.h"

#include <unistd.h>

namespace moss::store {

BackgroundUnlink::~BackgroundUnlink() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void BackgroundUnlink::remove(std::string path) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(path));
    if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
  }
  changed_.notify_all();
}

void BackgroundUnlink::wait_idle() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return queue_.empty() && !busy_; });
}

void BackgroundUnlink::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    changed_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and nothing left
    std::string path = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    ::unlink(path.c_str());
    lock.lock();
    busy_ = false;
    changed_.notify_all();
  }
}

}  // namespace moss::store
