#include "moss/cli/progress_bar.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "moss/cli/byte_units.h"

namespace moss::cli {

std::string format_progress_line(const ProgressSnapshot& s, int width) {
  const uint64_t done = std::min(s.done, s.total);
  const double fraction = s.total ? static_cast<double>(done) / static_cast<double>(s.total) : 1.0;
  char percent[8];
  std::snprintf(percent, sizeof percent, "%3d%%", static_cast<int>(fraction * 100));

  std::string tail = format_bytes(done) + " / " + format_bytes(s.total);
  if (!s.phase.empty()) {
    tail += "  " + s.phase;
  } else if (s.bytes_per_second > 0) {
    tail += "  " + format_bytes(static_cast<uint64_t>(s.bytes_per_second)) + "/s";
    if (done < s.total) {
      tail += "  " + format_duration(static_cast<int64_t>(
                         static_cast<double>(s.total - done) / s.bytes_per_second + 0.5));
    }
  }

  // Label, percent, bar and tail share the width. The bar's width assumes the
  // longest tail, so it does not jump as the rate and time left come and go;
  // then the label is shortened to what is left.
  constexpr int kTailReserve = 40;
  const int percent_width = static_cast<int>(std::string_view(percent).size());
  const int bar = std::clamp(
      width - static_cast<int>(s.label.size()) - percent_width - kTailReserve - 6, 10, 40);
  const int label_room =
      std::max(0, width - percent_width - static_cast<int>(tail.size()) - 6 - bar);
  std::string label = s.label;
  if (static_cast<int>(label.size()) > label_room) {
    label = label_room > 3 ? "..." + label.substr(label.size() - (label_room - 3))
                           : label.substr(0, label_room);
  }
  std::string line = label + "  " + percent + " [";
  const int filled = static_cast<int>(fraction * bar);
  for (int i = 0; i < bar; ++i) {
    line += i < filled ? '=' : (i == filled && done < s.total ? '>' : ' ');
  }
  line += "] " + tail;
  if (static_cast<int>(line.size()) > width && width > 0) line.resize(static_cast<size_t>(width));
  return line;
}

ProgressBar::ProgressBar(std::string label, client::TransferProgress& progress, bool enabled)
    : label_(std::move(label)), progress_(progress) {
  if (!enabled || !isatty(STDERR_FILENO)) return;
  thread_ = std::thread([this] {
    while (!stop_) {
      draw();
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  });
}

ProgressBar::~ProgressBar() { finish(); }

void ProgressBar::finish() {
  if (!thread_.joinable()) return;
  stop_ = true;
  thread_.join();
  std::fputs("\r\033[K", stderr);
  std::fflush(stderr);
}

void ProgressBar::print_above(const std::string& line) {
  MutexLock lock(output_mutex_);
  std::fprintf(stderr, "%s%s\n", thread_.joinable() ? "\r\033[K" : "", line.c_str());
  std::fflush(stderr);
}

void ProgressBar::draw() {
  winsize ws{};
  int width = ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 ? ws.ws_col : 80;
  ProgressSnapshot s;
  s.label = label_;
  s.done = progress_.done.load(std::memory_order_relaxed);
  s.total = progress_.total.load(std::memory_order_relaxed);
  s.phase = progress_.phase.load(std::memory_order_relaxed);
  // The rate is a moving average of what moved since the last drawing, so a
  // resumed download's earlier bytes and a retried part's do not distort it.
  const auto now = std::chrono::steady_clock::now();
  if (sampled_ && s.done >= last_done_ && s.phase.empty()) {
    const double seconds = std::chrono::duration<double>(now - last_time_).count();
    if (seconds > 0) {
      const double rate = static_cast<double>(s.done - last_done_) / seconds;
      rate_ = rate_ == 0 ? rate : 0.8 * rate_ + 0.2 * rate;
    }
  }
  sampled_ = true;
  last_done_ = s.done;
  last_time_ = now;
  s.bytes_per_second = rate_;
  std::string line = format_progress_line(s, width - 1);
  MutexLock lock(output_mutex_);
  std::fprintf(stderr, "\r%s\033[K", line.c_str());
  std::fflush(stderr);
}

}  // namespace moss::cli
