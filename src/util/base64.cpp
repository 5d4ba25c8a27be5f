#include "moss/util/base64.h"

#include <array>

namespace moss {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr int8_t kInvalid = -1;

// Maps an input byte to its 6-bit value, or kInvalid (which includes '=': padding is
// handled separately, by position).
constexpr std::array<int8_t, 256> make_decode_table() {
  std::array<int8_t, 256> table{};
  table.fill(kInvalid);
  for (int i = 0; i < 64; ++i) table[static_cast<uint8_t>(kAlphabet[i])] = static_cast<int8_t>(i);
  return table;
}
constexpr std::array<int8_t, 256> kDecode = make_decode_table();

}  // namespace

std::string base64_encode(std::span<const uint8_t> bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t v = (uint32_t{bytes[i]} << 16) | (uint32_t{bytes[i + 1]} << 8) | bytes[i + 2];
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  const size_t rest = bytes.size() - i;
  if (rest == 1) {
    const uint32_t v = uint32_t{bytes[i]} << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += "==";
  } else if (rest == 2) {
    const uint32_t v = (uint32_t{bytes[i]} << 16) | (uint32_t{bytes[i + 1]} << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    const bool last_quantum = i + 4 == text.size();
    // Padding may only appear in the last quantum, as "xx==" or "xxx=".
    size_t padding = 0;
    if (last_quantum) {
      if (text[i + 3] == '=') padding = text[i + 2] == '=' ? 2 : 1;
    }
    uint32_t v = 0;
    for (size_t j = 0; j < 4 - padding; ++j) {
      const int8_t d = kDecode[static_cast<uint8_t>(text[i + j])];
      if (d == kInvalid) return std::nullopt;
      v |= static_cast<uint32_t>(d) << (18 - 6 * j);
    }
    out += static_cast<char>(v >> 16);
    if (padding == 2) {
      if ((v & 0xffff) != 0) return std::nullopt;  // non-canonical trailing bits
      break;
    }
    out += static_cast<char>((v >> 8) & 0xff);
    if (padding == 1) {
      if ((v & 0xff) != 0) return std::nullopt;
      break;
    }
    out += static_cast<char>(v & 0xff);
  }
  return out;
}

}  // namespace moss
