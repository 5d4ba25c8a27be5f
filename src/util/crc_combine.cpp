// CRC32 and CRC32C through ISA-L, and crc_combine for all three CRCs.
//
// Combining uses the GF(2) polynomial arithmetic of zlib's crc32_combine (since
// 1.2.12): crc(A||B) = crc(A) * x^(8*len(B)) mod P  xor  crc(B), which holds for
// CRCs whose init and xorout are both all ones. x^(8n) is assembled from a table of
// x^(2^k) mod P, so combining costs O(log n) multiplications, generic over P.
#include <isa-l/crc.h>

#include <array>
#include <climits>

#include "moss/util/digest.h"

namespace moss {
namespace {

template <class T, T kReflectedPoly>
class CrcArithmetic {
 public:
  static T combine(T crc_a, T crc_b, uint64_t len_b) {
    return multiply_mod(x_pow_bytes(len_b), crc_a) ^ crc_b;
  }

 private:
  static constexpr int kBits = sizeof(T) * 8;
  static constexpr T kOne = T{1} << (kBits - 1);  // x^0, reflected

  // a * b mod P, both reflected.
  static constexpr T multiply_mod(T a, T b) {
    T product = 0;
    for (T m = kOne; m != 0; m >>= 1) {
      if (a & m) product ^= b;
      b = (b & 1) ? static_cast<T>((b >> 1) ^ kReflectedPoly) : static_cast<T>(b >> 1);
    }
    return product;
  }

  // x^(2^k) mod P for every k a 64-bit byte count (times 8) can reach.
  static constexpr int kPowers = 64 + 3;
  static constexpr std::array<T, kPowers> make_powers() {
    std::array<T, kPowers> powers{};
    powers[0] = kOne >> 1;  // x^1
    for (int k = 1; k < kPowers; ++k) powers[k] = multiply_mod(powers[k - 1], powers[k - 1]);
    return powers;
  }
  static constexpr std::array<T, kPowers> kPowersOfTwo = make_powers();

  // x^(8 * bytes) mod P.
  static T x_pow_bytes(uint64_t bytes) {
    T result = kOne;
    for (int k = 3; bytes != 0; bytes >>= 1, ++k) {
      if (bytes & 1) result = multiply_mod(kPowersOfTwo[k], result);
    }
    return result;
  }
};

using Crc32Arithmetic = CrcArithmetic<uint32_t, 0xedb88320>;
using Crc32cArithmetic = CrcArithmetic<uint32_t, 0x82f63b78>;
using Crc64NvmeArithmetic = CrcArithmetic<uint64_t, 0x9a6c9329ac4bc9b5>;

}  // namespace

uint32_t crc32_update(uint32_t crc, std::span<const uint8_t> data) {
  // crc32_gzip_refl inverts on entry and exit itself, so it chains finished values.
  return crc32_gzip_refl(crc, data.data(), data.size());
}

uint32_t crc32c_update(uint32_t crc, std::span<const uint8_t> data) {
  // crc32_iscsi works on the raw register (no inversions) and takes an int length.
  uint32_t reg = ~crc;
  const uint8_t* p = data.data();
  size_t len = data.size();
  while (len > 0) {
    const size_t chunk = len < size_t{INT_MAX} ? len : size_t{1} << 30;
    reg = crc32_iscsi(const_cast<uint8_t*>(p), static_cast<int>(chunk), reg);
    p += chunk;
    len -= chunk;
  }
  return ~reg;
}

uint32_t crc32_combine(uint32_t crc_a, uint32_t crc_b, uint64_t len_b) {
  return Crc32Arithmetic::combine(crc_a, crc_b, len_b);
}

uint32_t crc32c_combine(uint32_t crc_a, uint32_t crc_b, uint64_t len_b) {
  return Crc32cArithmetic::combine(crc_a, crc_b, len_b);
}

uint64_t crc64nvme_combine(uint64_t crc_a, uint64_t crc_b, uint64_t len_b) {
  return Crc64NvmeArithmetic::combine(crc_a, crc_b, len_b);
}

}  // namespace moss
