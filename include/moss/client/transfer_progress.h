// How far a transfer is, shared between the threads doing it (which add the
// bytes they move) and whoever shows it (which polls). Lock-free.
#pragma once

#include <atomic>
#include <cstdint>

namespace moss::client {

struct TransferProgress {
  std::atomic<uint64_t> total{0};
  std::atomic<uint64_t> done{0};
  // A phase that is not moving bytes yet ("hashing", "verifying"), for the display.
  std::atomic<const char*> phase{""};

  void add(uint64_t n) { done.fetch_add(n, std::memory_order_relaxed); }
  // Takes back bytes of a failed attempt that will be sent again.
  void subtract(uint64_t n) { done.fetch_sub(n, std::memory_order_relaxed); }
};

}  // namespace moss::client
