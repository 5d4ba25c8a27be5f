// Wall-clock time as the server records it (Unix nanoseconds, UTC).
#pragma once

#include <chrono>
#include <cstdint>

namespace moss {

inline int64_t now_unix_nanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}
inline int64_t now_unix_seconds() { return now_unix_nanos() / 1'000'000'000; }

}  // namespace moss
