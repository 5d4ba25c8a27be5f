#include "moss/util/uri.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "moss/util/hex.h"
#include "util/word_scan.h"

namespace moss {
namespace {

bool is_unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

// The position of the first '%' (or '+', when it means a space) at or after
// `from`, else text.size(). Eight bytes at a time (util/word_scan.h), not
// string_view's find_first_of, which calls memchr once per character.
size_t find_escape(std::string_view text, size_t from, bool plus_is_space) {
  auto is_special = [plus_is_space](char c) { return c == '%' || (plus_is_space && c == '+'); };
  size_t i = from;
  for (; i + 8 <= text.size(); i += 8) {
    uint64_t word = 0;
    std::memcpy(&word, text.data() + i, 8);
    if ((word_scan::bytes_equal(word, '%') |
         (plus_is_space ? word_scan::bytes_equal(word, '+') : 0)) != 0) {
      break;  // the byte loop below finds which
    }
  }
  for (; i < text.size(); ++i) {
    if (is_special(text[i])) return i;
  }
  return text.size();
}

// Decodes into `out` (replacing what it held); false on a malformed escape.
// Into a caller's string so that parse_query decodes straight into its list.
bool decode_into(std::string& out, std::string_view text, bool plus_is_space) {
  out.clear();
  out.reserve(text.size());
  // Runs of characters that decode to themselves are copied whole: every
  // signed request's query (credential, date, signature) passes through here.
  for (size_t i = 0; i < text.size();) {
    const size_t next = find_escape(text, i, plus_is_space);
    out.append(text.substr(i, next - i));
    if (next == text.size()) break;
    if (text[next] == '+') {
      out += ' ';
      i = next + 1;
      continue;
    }
    if (next + 2 >= text.size()) return false;
    const int hi = hex_digit_value(text[next + 1]);
    const int lo = hex_digit_value(text[next + 2]);
    if (hi < 0 || lo < 0) return false;
    out += static_cast<char>((hi << 4) | lo);
    i = next + 3;
  }
  return true;
}

std::optional<std::string> decode(std::string_view text, bool plus_is_space) {
  std::string out;
  if (!decode_into(out, text, plus_is_space)) return std::nullopt;
  return out;
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view text) { return decode(text, false); }

std::optional<std::string> form_decode(std::string_view text) { return decode(text, true); }

std::string aws_uri_encode(std::string_view text, bool encode_slash) {
  static constexpr char kUpperHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (is_unreserved(c) || (c == '/' && !encode_slash)) {
      out += ch;
    } else {
      out += '%';
      out += kUpperHex[c >> 4];
      out += kUpperHex[c & 0x0f];
    }
  }
  return out;
}

std::optional<QueryParams> parse_query(std::string_view raw_query) {
  QueryParams params;
  // One allocation for the list, not one per doubling: a presigned URL
  // carries six or seven parameters. (Not a count of the '&'s first: a pass
  // over the whole query, a thousand instructions on a presigned GET.)
  if (!raw_query.empty()) params.reserve(8);
  while (!raw_query.empty()) {
    const size_t amp = raw_query.find('&');
    const std::string_view segment = raw_query.substr(0, amp);
    raw_query = amp == std::string_view::npos ? std::string_view{} : raw_query.substr(amp + 1);
    if (segment.empty()) continue;  // "a=1&&b=2" and a trailing '&' carry no parameter
    const size_t eq = segment.find('=');
    auto& [name, value] = params.emplace_back();
    if (!decode_into(name, segment.substr(0, eq), false)) return std::nullopt;
    if (eq != std::string_view::npos && !decode_into(value, segment.substr(eq + 1), false)) {
      return std::nullopt;
    }
  }
  return params;
}

}  // namespace moss
