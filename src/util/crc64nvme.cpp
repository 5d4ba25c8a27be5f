// CRC-64/NVME (reflected polynomial 0x9a6c9329ac4bc9b5, init and xorout all ones),
// which ISA-L 2.30 does not provide. Long buffers are folded 64 bytes at a time with
// carry-less multiplication (PCLMULQDQ) where the CPU has it; the tail, short
// buffers and other CPUs use slice-by-8 tables.
#include <array>
#include <bit>
#include <cstring>

#include "moss/util/digest.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace moss {
namespace {

constexpr uint64_t kPoly = 0x9a6c9329ac4bc9b5;  // bit-reflected

// The reflected representation: bit 63 holds x^0, bit 0 holds x^63.
constexpr uint64_t mul_x(uint64_t v) { return (v >> 1) ^ ((v & 1) ? kPoly : 0); }

// x^k mod P, reflected.
constexpr uint64_t x_pow_mod(unsigned k) {
  uint64_t v = uint64_t{1} << 63;
  for (unsigned i = 0; i < k; ++i) v = mul_x(v);
  return v;
}

using SliceTables = std::array<std::array<uint64_t, 256>, 8>;

constexpr SliceTables make_tables() {
  SliceTables t{};
  for (uint64_t i = 0; i < 256; ++i) {
    uint64_t crc = i;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ ((crc & 1) ? kPoly : 0);
    t[0][i] = crc;
  }
  for (size_t k = 1; k < 8; ++k) {
    for (size_t i = 0; i < 256; ++i) t[k][i] = (t[k - 1][i] >> 8) ^ t[0][t[k - 1][i] & 0xff];
  }
  return t;
}
constexpr SliceTables kTables = make_tables();

uint64_t load_le64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
  return v;
}

// Advances the raw CRC register (no init or final inversion) over `len` bytes.
uint64_t update_register_tables(uint64_t reg, const uint8_t* p, size_t len) {
  while (len >= 8) {
    reg ^= load_le64(p);
    reg = kTables[7][reg & 0xff] ^ kTables[6][(reg >> 8) & 0xff] ^ kTables[5][(reg >> 16) & 0xff] ^
          kTables[4][(reg >> 24) & 0xff] ^ kTables[3][(reg >> 32) & 0xff] ^
          kTables[2][(reg >> 40) & 0xff] ^ kTables[1][(reg >> 48) & 0xff] ^ kTables[0][reg >> 56];
    p += 8;
    len -= 8;
  }
  while (len-- > 0) reg = (reg >> 8) ^ kTables[0][(reg ^ *p++) & 0xff];
  return reg;
}

#if defined(__x86_64__)

// Folding. A 16-byte block loaded little-endian holds a degree-127 polynomial with
// the first message bit as its highest coefficient: the low qword carries the high
// half H, the high qword the low half L. Moving the block N bits further down the
// message multiplies it by x^N, and modulo P that is
//   H * (x^(N+64) mod P) + L * (x^N mod P).
// A carry-less product of two reflected 64-bit values comes out one bit short of
// the 128-bit reflected layout (it has degree 126), so the constants are taken one
// power lower: x^(N+63) and x^(N-1).
struct FoldConstants {
  uint64_t high_half;  // multiplies the low qword
  uint64_t low_half;   // multiplies the high qword
};
constexpr FoldConstants fold_constants(unsigned bits) {
  return {x_pow_mod(bits + 63), x_pow_mod(bits - 1)};
}
constexpr FoldConstants kFold128 = fold_constants(128);
constexpr FoldConstants kFold512 = fold_constants(512);

__attribute__((target("pclmul,sse2"))) inline __m128i fold(__m128i acc, __m128i k) {
  return _mm_xor_si128(_mm_clmulepi64_si128(acc, k, 0x00), _mm_clmulepi64_si128(acc, k, 0x11));
}

__attribute__((target("pclmul,sse2"))) inline __m128i load128(const uint8_t* p) {
  return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
}

// Consumes the largest multiple of 16 bytes of a buffer of at least 64 and returns
// the register; the caller finishes the rest with the tables.
__attribute__((target("pclmul,sse2"))) uint64_t update_register_clmul(uint64_t reg,
                                                                      const uint8_t*& p,
                                                                      size_t& len) {
  const __m128i k512 = _mm_set_epi64x(static_cast<int64_t>(kFold512.low_half),
                                      static_cast<int64_t>(kFold512.high_half));
  const __m128i k128 = _mm_set_epi64x(static_cast<int64_t>(kFold128.low_half),
                                      static_cast<int64_t>(kFold128.high_half));
  // The register's effect equals XORing it into the first eight message bytes.
  __m128i x0 = _mm_xor_si128(load128(p), _mm_cvtsi64_si128(static_cast<int64_t>(reg)));
  __m128i x1 = load128(p + 16);
  __m128i x2 = load128(p + 32);
  __m128i x3 = load128(p + 48);
  p += 64;
  len -= 64;
  while (len >= 64) {
    x0 = _mm_xor_si128(fold(x0, k512), load128(p));
    x1 = _mm_xor_si128(fold(x1, k512), load128(p + 16));
    x2 = _mm_xor_si128(fold(x2, k512), load128(p + 32));
    x3 = _mm_xor_si128(fold(x3, k512), load128(p + 48));
    p += 64;
    len -= 64;
  }
  __m128i x = _mm_xor_si128(fold(x0, k128), x1);
  x = _mm_xor_si128(fold(x, k128), x2);
  x = _mm_xor_si128(fold(x, k128), x3);
  while (len >= 16) {
    x = _mm_xor_si128(fold(x, k128), load128(p));
    p += 16;
    len -= 16;
  }
  // What is left is a 128-bit message whose CRC from a zero register is the answer.
  alignas(16) uint8_t rest[16];
  _mm_store_si128(reinterpret_cast<__m128i*>(rest), x);
  return update_register_tables(0, rest, sizeof rest);
}

bool cpu_has_pclmul() {
  static const bool has = __builtin_cpu_supports("pclmul");
  return has;
}

#endif

}  // namespace

uint64_t crc64nvme_update(uint64_t crc, std::span<const uint8_t> data) {
  uint64_t reg = ~crc;
  const uint8_t* p = data.data();
  size_t len = data.size();
#if defined(__x86_64__)
  // Below a few blocks the fixed cost of the final reduction outweighs folding.
  if (len >= 128 && cpu_has_pclmul()) reg = update_register_clmul(reg, p, len);
#endif
  return ~update_register_tables(reg, p, len);
}

}  // namespace moss
