#include "s3/auth/wildcard_match.h"

namespace moss::s3 {
namespace {

char fold(char c, LetterCase letter_case) {
  if (letter_case == LetterCase::kInsensitive && c >= 'A' && c <= 'Z') {
    return static_cast<char>(c - 'A' + 'a');
  }
  return c;
}

bool is_utf8_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// The position after the character starting at `at`: a whole UTF-8 sequence,
// so `?` and the retry after a `*` never stop inside a multibyte character.
size_t after_character(std::string_view text, size_t at) {
  ++at;
  while (at < text.size() && is_utf8_continuation(text[at])) ++at;
  return at;
}

}  // namespace

bool wildcard_match(std::string_view pattern, std::string_view text, LetterCase letter_case,
                    size_t* steps) {
  constexpr size_t kNoStar = std::string_view::npos;
  size_t p = 0;
  size_t t = 0;
  size_t star = kNoStar;  // pattern position of the last `*` seen
  size_t star_text = 0;   // text position that `*` is currently taken to end at
  size_t taken = 0;
  bool matched = true;
  while (t < text.size()) {
    ++taken;
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      star_text = t;
    } else if (p < pattern.size() && pattern[p] == '?') {
      ++p;
      t = after_character(text, t);
    } else if (p < pattern.size() && fold(pattern[p], letter_case) == fold(text[t], letter_case)) {
      ++p;
      ++t;
    } else if (star != kNoStar) {
      // Let the last `*` swallow one more character and retry what follows it.
      // Earlier stars never need revisiting: whatever they could absorb, the
      // last one can absorb too.
      p = star + 1;
      star_text = after_character(text, star_text);
      t = star_text;
    } else {
      matched = false;
      break;
    }
  }
  if (matched) {
    while (p < pattern.size() && pattern[p] == '*') ++p;
    matched = p == pattern.size();
  }
  if (steps) *steps += taken;
  return matched;
}

}  // namespace moss::s3
