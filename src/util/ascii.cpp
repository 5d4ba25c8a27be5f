#include "moss/util/ascii.h"

#include <cstdint>
#include <cstring>

namespace moss {

std::string ascii_lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

std::string_view trim_ascii_space(std::string_view text) {
  while (!text.empty() && is_ascii_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_ascii_space(text.back())) text.remove_suffix(1);
  return text;
}

std::string_view trim_ows(std::string_view text) {
  while (!text.empty() && is_ows(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_ows(text.back())) text.remove_suffix(1);
  return text;
}

namespace {

bool has_control_byte(std::string_view value) {
  for (char c : value) {
    auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7f) return true;
  }
  return false;
}

}  // namespace

bool has_control_character(std::string_view value) {
  // Eight bytes at a time (every field of every response head passes here):
  // a word is looked at byte by byte only when it may hold a byte below 0x20
  // or a DEL, which a tab, the one control a value may hold, also triggers.
  // The tests are the classic "has a byte less than n" / "has a zero byte"
  // ones: they can say yes wrongly (then the bytes decide), never no wrongly.
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHighBits = 0x8080808080808080ULL;
  size_t i = 0;
  for (; i + 8 <= value.size(); i += 8) {
    uint64_t word = 0;
    std::memcpy(&word, value.data() + i, 8);
    const uint64_t below_space = (word - kOnes * 0x20) & ~word & kHighBits;
    const uint64_t del_zeroed = word ^ (kOnes * 0x7f);
    const uint64_t del = (del_zeroed - kOnes) & ~del_zeroed & kHighBits;
    if ((below_space | del) != 0 && has_control_byte(value.substr(i, 8))) return true;
  }
  return has_control_byte(value.substr(i));
}

}  // namespace moss
