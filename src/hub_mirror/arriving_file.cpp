// A file of an upstream revision while its bytes arrive (arriving_file.h).
#include "moss/hub_mirror/arriving_file.h"

namespace moss::hub_mirror {

void ArrivingFile::wait_finished() const {
  std::unique_lock lock(mutex_);
  finished_.wait(lock, [&] { return state() != State::kArriving; });
}

void ArrivingFile::finish(Result<store::ObjectVersion, UpstreamError> outcome) {
  const State state = outcome ? State::kStored : State::kFailed;
  outcome_ = std::move(outcome);
  {
    std::lock_guard lock(mutex_);
    state_.store(state, std::memory_order_release);
  }
  finished_.notify_all();
}

}  // namespace moss::hub_mirror
