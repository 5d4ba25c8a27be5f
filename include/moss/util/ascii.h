// ASCII character rules, the same whatever the C locale: what HTTP field names,
// SigV4 canonical forms, S3 names and size suffixes are made of. Bytes outside
// ASCII are never letters, digits or space here, and case folding leaves them as
// they are.
#pragma once

#include <string>
#include <string_view>

namespace moss {

constexpr bool is_ascii_digit(char c) { return c >= '0' && c <= '9'; }
constexpr bool is_ascii_lower(char c) { return c >= 'a' && c <= 'z'; }
constexpr bool is_ascii_upper(char c) { return c >= 'A' && c <= 'Z'; }
constexpr bool is_ascii_alpha(char c) { return is_ascii_lower(c) || is_ascii_upper(c); }
constexpr bool is_ascii_alnum(char c) { return is_ascii_alpha(c) || is_ascii_digit(c); }
// What C's isspace() accepts in the "C" locale: space, \t, \n, \v, \f, \r.
constexpr bool is_ascii_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
// HTTP's optional whitespace (OWS, RFC 9110 section 5.6.3): space and tab.
constexpr bool is_ows(char c) { return c == ' ' || c == '\t'; }

constexpr char ascii_lower(char c) {
  return is_ascii_upper(c) ? static_cast<char>(c - 'A' + 'a') : c;
}
constexpr char ascii_upper(char c) {
  return is_ascii_lower(c) ? static_cast<char>(c - 'a' + 'A') : c;
}

std::string ascii_lowercase(std::string_view text);

// Equal but for the case of ASCII letters (HTTP field names, host names,
// algorithm names).
constexpr bool ascii_iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}
constexpr bool ascii_iends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() &&
         ascii_iequals(text.substr(text.size() - suffix.size()), suffix);
}

// A non-empty run of 0-9.
constexpr bool is_ascii_digits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!is_ascii_digit(c)) return false;
  }
  return true;
}

// Without leading and trailing is_ascii_space / is_ows characters.
std::string_view trim_ascii_space(std::string_view text);
std::string_view trim_ows(std::string_view text);

// Whether `value` holds what no HTTP field value may (RFC 9110 section 5.5): a
// control character other than tab, or DEL. CR and LF would end the header line
// and let the text after them become headers or a body of a response that
// echoes it.
bool has_control_character(std::string_view value);

}  // namespace moss
