#include "moss/util/json_text.h"

#include <cstdint>

#include "util/word_scan.h"

namespace moss {

bool is_plain_json_text(std::string_view text) {
  // Eight bytes at a time (util/word_scan.h): a word is looked at byte by
  // byte only when it may hold a byte of 0x80 or more, one below 0x20, a '"'
  // or a '\\'.
  return !word_scan::contains_byte(
      text,
      [](uint64_t word) {
        return ((word & word_scan::kHighBits) | word_scan::bytes_below(word, 0x20) |
                word_scan::bytes_equal(word, '"') | word_scan::bytes_equal(word, '\\')) != 0;
      },
      [](char c) {
        const auto byte = static_cast<unsigned char>(c);
        return byte < 0x20 || byte >= 0x80 || c == '"' || c == '\\';
      });
}

}  // namespace moss
