// The pace a request body must keep (ConnectionLimits::min_body_rate), so a
// client trickling a byte now and then cannot hold a connection, its buffers
// and a temp file for as long as each byte comes before the no-progress
// timeout.
//
// A credit of bytes, at most one window's worth (rate x window), pays for the
// time the server waits for the body: each second of waiting costs `rate`
// bytes, each byte that arrives earns one back. The body is below the floor
// when the credit runs out. So a client at or above the rate never is; one
// that stops altogether gets one window; one that trickles gets its window
// once and then only as much waiting as its trickle pays for. Time the server
// spends elsewhere (hashing, writing to disk) is not waiting and costs nothing.
//
// Thread-compatible; one per request body.
#pragma once

#include <chrono>
#include <cstdint>

namespace moss::http {

class BodyRateFloor {
 public:
  using Duration = std::chrono::steady_clock::duration;

  // rate 0: no floor.
  BodyRateFloor(uint64_t bytes_per_second, std::chrono::seconds window);

  // How long the next read may wait before the body falls below the floor
  // (zero once it has); Duration::max() without a floor.
  Duration allowance() const;
  // A read waited `waited` and brought `bytes` body bytes.
  void record(Duration waited, uint64_t bytes);

 private:
  double rate_;    // bytes per second
  double cap_;     // the most credit a body can bank: one window's worth
  double credit_;  // bytes
};

}  // namespace moss::http
