#include "s3/names.h"

#include <array>

#include "moss/util/ascii.h"

namespace moss::s3 {
namespace {

bool is_lower_alnum(char c) { return is_ascii_lower(c) || is_ascii_digit(c); }

// "Formatted as an IP address": four dot-separated groups of one to three digits.
// Values above 255 are rejected too; "999.1.1.1" is still formatted like an address.
bool looks_like_ipv4(std::string_view name) {
  int groups = 0;
  size_t i = 0;
  while (true) {
    size_t digits = 0;
    while (i < name.size() && is_ascii_digit(name[i])) {
      ++i;
      ++digits;
    }
    if (digits == 0 || digits > 3) return false;
    ++groups;
    if (i == name.size()) return groups == 4;
    if (name[i] != '.' || groups == 4) return false;
    ++i;
  }
}

// From the S3 User Guide, "General purpose bucket naming rules" ("sthree-configurator"
// is covered by "sthree-").
constexpr std::array<std::string_view, 3> kReservedPrefixes = {"xn--", "sthree-", "amzn-s3-demo-"};
constexpr std::array<std::string_view, 5> kReservedSuffixes = {"-s3alias", "--ol-s3", ".mrap",
                                                               "--x-s3", "--table-s3"};

}  // namespace

bool is_valid_bucket_name(std::string_view name) {
  if (name.size() < 3 || name.size() > 63) return false;
  if (!is_lower_alnum(name.front()) || !is_lower_alnum(name.back())) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (!is_lower_alnum(c) && c != '.' && c != '-') return false;
    // Every dot-separated label must begin and end with a letter or digit, which
    // rules out "..", ".-" and "-.". S3 rejects all three with InvalidBucketName.
    if (c == '.' && (name[i - 1] == '.' || name[i - 1] == '-' || name[i + 1] == '-')) {
      return false;
    }
  }
  if (looks_like_ipv4(name)) return false;
  for (const auto prefix : kReservedPrefixes) {
    if (name.starts_with(prefix)) return false;
  }
  for (const auto suffix : kReservedSuffixes) {
    if (name.ends_with(suffix)) return false;
  }
  return true;
}

bool is_valid_object_key(std::string_view key) {
  return !key.empty() && key.size() <= 1024 && is_valid_utf8(key);
}

// Well-formed UTF-8 as the Unicode Standard defines it (Table 3-7): the second-byte
// ranges after E0, ED, F0 and F4 exclude overlong forms, surrogates and code points
// above U+10FFFF; C0, C1 and F5-FF never appear.
bool is_valid_utf8(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = p + text.size();
  while (p < end) {
    const unsigned char b = *p;
    if (b < 0x80) {
      ++p;
      continue;
    }
    size_t length = 0;
    unsigned char low = 0x80;
    unsigned char high = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) {
      length = 2;
    } else if (b >= 0xe0 && b <= 0xef) {
      length = 3;
      if (b == 0xe0) low = 0xa0;
      if (b == 0xed) high = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      length = 4;
      if (b == 0xf0) low = 0x90;
      if (b == 0xf4) high = 0x8f;
    } else {
      return false;
    }
    if (static_cast<size_t>(end - p) < length) return false;
    if (p[1] < low || p[1] > high) return false;
    for (size_t i = 2; i < length; ++i) {
      if (p[i] < 0x80 || p[i] > 0xbf) return false;
    }
    p += length;
  }
  return true;
}

}  // namespace moss::s3
