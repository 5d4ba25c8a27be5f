// Standard base64 (RFC 4648, with padding), as Content-MD5 and x-amz-checksum-* use it.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace moss {

std::string base64_encode(std::span<const uint8_t> bytes);
inline std::string base64_encode(std::string_view bytes) {
  return base64_encode(std::span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
}
// Strict: rejects characters outside the alphabet, bad padding and non-canonical
// trailing bits, so a malformed checksum header is reported rather than guessed at.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace moss
