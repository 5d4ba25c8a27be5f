// The progress line of a transfer on stderr, redrawn a few times a second
// from a thread of its own, only when stderr is a terminal (so logs and CI
// output stay clean):
//   llama-3-8b.Q5_K_M.gguf  45% [=========>           ] 2.07 GiB / 4.58 GiB  85.3 MiB/s  0:29
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

#include "moss/client/transfer_progress.h"
#include "moss/util/mutex.h"

namespace moss::cli {

struct ProgressSnapshot {
  std::string label;
  uint64_t done = 0;
  uint64_t total = 0;
  double bytes_per_second = 0;  // 0: unknown yet
  std::string phase;            // "hashing", "verifying": shown instead of the rate
};

// One line of at most `width` columns (the label is shortened to fit).
std::string format_progress_line(const ProgressSnapshot& snapshot, int width);

class ProgressBar {
 public:
  // Draws only when `enabled` and stderr is a terminal.
  ProgressBar(std::string label, client::TransferProgress& progress, bool enabled);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  // Stops drawing and erases the line.
  void finish();
  // Prints `line` (and a newline) on stderr above the bar, which is redrawn below it.
  void print_above(const std::string& line);

 private:
  void draw();

  std::string label_;
  client::TransferProgress& progress_;
  std::atomic<bool> stop_{false};
  Mutex output_mutex_;  // one writer of stderr at a time
  // Used by the drawing thread only.
  bool sampled_ = false;
  uint64_t last_done_ = 0;
  std::chrono::steady_clock::time_point last_time_;
  double rate_ = 0;
  std::thread thread_;
};

}  // namespace moss::cli
