#include "moss/http/body_rate_floor.h"

#include <algorithm>

namespace moss::http {

BodyRateFloor::BodyRateFloor(uint64_t bytes_per_second, std::chrono::seconds window)
    : rate_(static_cast<double>(bytes_per_second)),
      cap_(rate_ * static_cast<double>(window.count())),
      credit_(cap_) {}

BodyRateFloor::Duration BodyRateFloor::allowance() const {
  if (rate_ <= 0) return Duration::max();
  if (credit_ <= 0) return Duration::zero();
  return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(credit_ / rate_));
}

void BodyRateFloor::record(Duration waited, uint64_t bytes) {
  if (rate_ <= 0) return;
  const double seconds = std::chrono::duration<double>(waited).count();
  credit_ = std::min(cap_, credit_ - rate_ * seconds + static_cast<double>(bytes));
}

}  // namespace moss::http
