#include "moss/util/json_text.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace moss {
namespace {

bool is_plain_byte(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return byte >= 0x20 && byte < 0x80 && c != '"' && c != '\\';
}

bool all_plain(std::string_view bytes) {
  return std::all_of(bytes.begin(), bytes.end(), is_plain_byte);
}

}  // namespace

bool is_plain_json_text(std::string_view text) {
  // Eight bytes at a time, as has_control_character (ascii.cpp) does: a word
  // is looked at byte by byte only when its high bits flag a byte of 0x80 or
  // more, one below 0x20, a '"' or a '\\' (the "has a byte less than n" and
  // "has a zero byte" tests; they may flag a word wrongly, never miss one).
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHighBits = 0x8080808080808080ULL;
  size_t i = 0;
  for (; i + 8 <= text.size(); i += 8) {
    uint64_t word = 0;
    std::memcpy(&word, text.data() + i, 8);
    const uint64_t quote = word ^ (kOnes * '"');
    const uint64_t backslash = word ^ (kOnes * '\\');
    const uint64_t flagged = (word | ((word - kOnes * 0x20) & ~word) | ((quote - kOnes) & ~quote) |
                              ((backslash - kOnes) & ~backslash)) &
                             kHighBits;
    if (flagged != 0 && !all_plain(text.substr(i, 8))) return false;
  }
  return all_plain(text.substr(i));
}

}  // namespace moss
