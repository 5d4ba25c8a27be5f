#include "moss/util/random_id.h"

#include <openssl/rand.h>

#include <stdexcept>
#include <vector>

namespace moss {
namespace {

void fill_random(unsigned char* out, size_t n) {
  if (RAND_bytes(out, static_cast<int>(n)) != 1) {
    // Without entropy no id is safe to hand out; this is not recoverable.
    throw std::runtime_error("RAND_bytes failed");
  }
}

}  // namespace

std::string random_hex(size_t bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::vector<unsigned char> raw(bytes);
  fill_random(raw.data(), raw.size());
  std::string out;
  out.reserve(bytes * 2);
  for (unsigned char b : raw) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xf]);
  }
  return out;
}

std::string random_alnum(size_t length, bool uppercase_only) {
  static constexpr char kMixed[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  static constexpr char kUpper[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  const char* alphabet = uppercase_only ? kUpper : kMixed;
  const unsigned n = uppercase_only ? 36 : 62;
  std::string out;
  out.reserve(length);
  unsigned char buf[64];
  while (out.size() < length) {
    fill_random(buf, sizeof buf);
    for (unsigned char b : buf) {
      // Rejection sampling keeps the distribution uniform.
      if (b >= 256 - (256 % n)) continue;
      out.push_back(alphabet[b % n]);
      if (out.size() == length) break;
    }
  }
  return out;
}

}  // namespace moss
