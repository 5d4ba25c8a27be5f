// Durations as people write them on a command line: "7d", "12h", "90s",
// "1h30m", "250ms". Units: d, h, m, s, ms; every number needs one.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace moss {

// nullopt for an empty or malformed text, or one that overflows.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

}  // namespace moss
