#include "util/access_line_formatter.h"

#include <chrono>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "moss/util/time_format.h"

namespace moss {
namespace {

// The date and time of day are formatted once per second. The sink calls
// format() under its lock, so the cache needs none.
class AccessLineFormatter final : public spdlog::formatter {
 public:
  explicit AccessLineFormatter(LogFormat format) : format_(format) {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    // floor, not truncation: before 1970 the fraction still counts forward.
    const auto second = std::chrono::floor<std::chrono::seconds>(msg.time);
    const int64_t seconds = second.time_since_epoch().count();
    const int64_t fraction =
        std::chrono::duration_cast<std::chrono::nanoseconds>(msg.time - second).count();
    if (seconds != cached_second_) {
      // "2026-12-06T23:33:24." of "2026-12-06T23:33:24.000000000Z"
      cached_prefix_ = format_rfc3339_nanos(seconds * 1'000'000'000).substr(0, 20);
      cached_second_ = seconds;
    }
    const std::string_view payload(msg.payload.data(), msg.payload.size());
    if (format_ == LogFormat::kJson) {
      append(dest, "{\"time\":\"");
      append(dest, cached_prefix_);
      append_digits(dest, fraction / 1'000, 6);
      append(dest, "Z\",\"level\":\"");
      const auto level = spdlog::level::to_string_view(msg.level);
      dest.append(level.data(), level.data() + level.size());
      append(dest, "\",\"logger\":\"access\",");
      append(dest, payload);
      append(dest, "}\n");
    } else {
      append(dest, cached_prefix_);
      append_digits(dest, fraction / 1'000'000, 3);
      append(dest, "Z access {");
      append(dest, payload);
      append(dest, "}\n");
    }
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<AccessLineFormatter>(format_);
  }

 private:
  static void append(spdlog::memory_buf_t& dest, std::string_view text) {
    dest.append(text.data(), text.data() + text.size());
  }
  static void append_digits(spdlog::memory_buf_t& dest, int64_t value, int width) {
    char digits[8];
    for (int i = width - 1; i >= 0; --i) {
      digits[i] = static_cast<char>('0' + value % 10);
      value /= 10;
    }
    dest.append(digits, digits + width);
  }

  LogFormat format_;
  int64_t cached_second_ = std::numeric_limits<int64_t>::min();
  std::string cached_prefix_;
};

}  // namespace

std::unique_ptr<spdlog::formatter> make_access_line_formatter(LogFormat format) {
  return std::make_unique<AccessLineFormatter>(format);
}

}  // namespace moss
