#include "moss/util/ascii.h"

#include <cstdint>

#include "util/word_scan.h"

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

bool has_control_character(std::string_view value) {
  // Eight bytes at a time (every field of every response head passes here):
  // a word is looked at byte by byte only when it may hold a byte below 0x20
  // or a DEL, which a tab, the one control a value may hold, also triggers.
  return word_scan::contains_byte(
      value,
      [](uint64_t word) {
        return (word_scan::bytes_below(word, 0x20) | word_scan::bytes_equal(word, 0x7f)) != 0;
      },
      [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return (u < 0x20 && c != '\t') || u == 0x7f;
      });
}

}  // namespace moss
