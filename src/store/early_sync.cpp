#include "early_sync.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>

namespace moss::store {

void EarlySync::wrote(uint64_t written) {
  if (written - started_at_ < step_) return;
  if (flush_.valid()) {
    if (flush_.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return;
    if (int e = flush_.get(); e && !error_) error_ = e;
  }
  started_at_ = written;
  flush_ = std::async(std::launch::async, [fd = fd_] { return ::fdatasync(fd) == 0 ? 0 : errno; });
}

int EarlySync::finish() {
  if (flush_.valid()) {
    if (int e = flush_.get(); e && !error_) error_ = e;
  }
  return error_;
}

}  // namespace moss::store
