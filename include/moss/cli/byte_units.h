// Sizes as people write and read them: "64MiB" in options, "4.58 GiB" in output.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace moss::cli {

// "1048576", "512K", "64M", "64MiB", "2G", "1GB": the suffixes are binary
// (K = KiB = 1024), case-insensitive. nullopt on anything else or an overflow.
std::optional<uint64_t> parse_size(std::string_view text);

// "0 B", "999 B", "1.00 KiB", "12.3 MiB", "4.58 GiB", "512 GiB": three significant digits
// from KiB up.
std::string format_bytes(uint64_t bytes);

// "0:07", "12:34", "1:02:03".
std::string format_duration(int64_t seconds);

}  // namespace moss::cli
