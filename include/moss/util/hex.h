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

}  // namespace moss
