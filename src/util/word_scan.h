// Looking through text eight bytes at a time for bytes of a kind: the request
// line's query, every response field and every log and audit field pass
// through such a search. A 64-bit word is tested with the classic bit tricks
// ("has a zero byte", "has a byte less than n"), which can flag a word
// wrongly but never miss one; only a flagged word is looked at byte by byte.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace moss::word_scan {

constexpr uint64_t kOnes = 0x0101010101010101ULL;
constexpr uint64_t kHighBits = 0x8080808080808080ULL;

// The high bit of each byte of `word` that equals `c` (exact as a yes or no).
constexpr uint64_t bytes_equal(uint64_t word, unsigned char c) {
  const uint64_t x = word ^ (kOnes * c);
  return (x - kOnes) & ~x & kHighBits;
}

// The high bit of (at least) each byte of `word` below `n` (n <= 0x80).
constexpr uint64_t bytes_below(uint64_t word, unsigned char n) {
  return (word - kOnes * n) & ~word & kHighBits;
}

// Whether any byte of `text` is one `byte_is` accepts; `word_may_hold(word)`
// says whether an eight-byte word may hold one.
template <class WordMayHold, class ByteIs>
bool contains_byte(std::string_view text, WordMayHold word_may_hold, ByteIs byte_is) {
  size_t i = 0;
  for (; i + 8 <= text.size(); i += 8) {
    uint64_t word = 0;
    std::memcpy(&word, text.data() + i, 8);
    if (word_may_hold(word) && std::any_of(text.begin() + i, text.begin() + i + 8, byte_is)) {
      return true;
    }
  }
  return std::any_of(text.begin() + i, text.end(), byte_is);
}

}  // namespace moss::word_scan
