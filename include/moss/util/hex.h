// Hex encoding of byte strings (lowercase, as SigV4 and ETags use it).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace moss {

std::string to_hex(std::span<const uint8_t> bytes);
inline std::string to_hex(std::string_view bytes) {
  return to_hex(std::span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
}
// Accepts upper- and lowercase digits; nullopt on odd length or a non-hex character.
std::optional<std::string> from_hex(std::string_view hex);

// The value of one hex digit (0-9, a-f, A-F), or -1 for any other character.
constexpr int hex_digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Non-empty and only hex digits of either case (a SigV4 signature as a client sent it).
constexpr bool is_hex(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (hex_digit_value(c) < 0) return false;
  }
  return true;
}
// Non-empty and only 0-9 a-f, as to_hex writes it (blob names, version ids).
constexpr bool is_lower_hex(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace moss
