#include "moss/util/duration.h"

#include <charconv>
#include <cstdint>
#include <limits>

namespace moss {

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  int64_t total_ms = 0;
  while (!text.empty()) {
    int64_t value = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || p == text.data() || value < 0) return std::nullopt;
    text.remove_prefix(static_cast<size_t>(p - text.data()));
    int64_t unit_ms = 0;
    if (text.starts_with("ms")) {
      unit_ms = 1;
      text.remove_prefix(2);
    } else if (!text.empty()) {
      switch (text.front()) {
        case 'd':
          unit_ms = 86'400'000;
          break;
        case 'h':
          unit_ms = 3'600'000;
          break;
        case 'm':
          unit_ms = 60'000;
          break;
        case 's':
          unit_ms = 1'000;
          break;
        default:
          return std::nullopt;
      }
      text.remove_prefix(1);
    } else {
      return std::nullopt;
    }
    if (value > (std::numeric_limits<int64_t>::max() - total_ms) / unit_ms) return std::nullopt;
    total_ms += value * unit_ms;
  }
  return std::chrono::milliseconds(total_ms);
}

}  // namespace moss
