#include "moss/util/digest.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "moss/util/base64.h"
#include "moss/util/hex.h"

namespace moss {
namespace {

std::string hex_digest(DigestAlgorithm algorithm, std::string_view data) {
  return to_hex(digest(algorithm, data));
}

std::string base64_digest(DigestAlgorithm algorithm, std::string_view data) {
  return base64_encode(digest(algorithm, data));
}

std::span<const uint8_t> bytes_of(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::string random_bytes(size_t size, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string out(size, '\0');
  for (auto& c : out) c = static_cast<char>(rng());
  return out;
}

constexpr DigestAlgorithm kAllAlgorithms[] = {
    DigestAlgorithm::kMd5,   DigestAlgorithm::kSha1,   DigestAlgorithm::kSha256,
    DigestAlgorithm::kCrc32, DigestAlgorithm::kCrc32c, DigestAlgorithm::kCrc64Nvme,
};

// --- names and sizes ---

TEST(DigestNames, UseTheS3Spellings) {
  EXPECT_EQ(digest_name(DigestAlgorithm::kMd5), "MD5");
  EXPECT_EQ(digest_name(DigestAlgorithm::kSha1), "SHA1");
  EXPECT_EQ(digest_name(DigestAlgorithm::kSha256), "SHA256");
  EXPECT_EQ(digest_name(DigestAlgorithm::kCrc32), "CRC32");
  EXPECT_EQ(digest_name(DigestAlgorithm::kCrc32c), "CRC32C");
  EXPECT_EQ(digest_name(DigestAlgorithm::kCrc64Nvme), "CRC64NVME");
}

TEST(DigestNames, FromNameIsCaseInsensitiveInverse) {
  for (const auto algorithm : kAllAlgorithms) {
    EXPECT_EQ(digest_from_name(digest_name(algorithm)), algorithm);
  }
  EXPECT_EQ(digest_from_name("crc64nvme"), DigestAlgorithm::kCrc64Nvme);
  EXPECT_EQ(digest_from_name("Crc32C"), DigestAlgorithm::kCrc32c);
  EXPECT_EQ(digest_from_name("sha256"), DigestAlgorithm::kSha256);
}

TEST(DigestNames, FromNameRejectsUnknownNames) {
  EXPECT_EQ(digest_from_name(""), std::nullopt);
  EXPECT_EQ(digest_from_name("SHA-256"), std::nullopt);
  EXPECT_EQ(digest_from_name("CRC64"), std::nullopt);
  EXPECT_EQ(digest_from_name("CRC32 "), std::nullopt);
  EXPECT_EQ(digest_from_name("SHA512"), std::nullopt);
}

TEST(DigestSizes, MatchTheAlgorithms) {
  EXPECT_EQ(digest_size(DigestAlgorithm::kMd5), 16u);
  EXPECT_EQ(digest_size(DigestAlgorithm::kSha1), 20u);
  EXPECT_EQ(digest_size(DigestAlgorithm::kSha256), 32u);
  EXPECT_EQ(digest_size(DigestAlgorithm::kCrc32), 4u);
  EXPECT_EQ(digest_size(DigestAlgorithm::kCrc32c), 4u);
  EXPECT_EQ(digest_size(DigestAlgorithm::kCrc64Nvme), 8u);
  for (const auto algorithm : kAllAlgorithms) {
    EXPECT_EQ(digest(algorithm, "abc").size(), digest_size(algorithm)) << digest_name(algorithm);
  }
}

// --- known answers ---

TEST(Md5, MatchesRfc1321TestSuite) {
  const auto md5 = DigestAlgorithm::kMd5;
  EXPECT_EQ(hex_digest(md5, ""), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(hex_digest(md5, "a"), "0cc175b9c0f1b6a831c399e269772661");
  EXPECT_EQ(hex_digest(md5, "abc"), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(hex_digest(md5, "message digest"), "f96b697d7cb7938d525a2f31aaf161d0");
  EXPECT_EQ(hex_digest(md5, "abcdefghijklmnopqrstuvwxyz"), "c3fcd3d76192e4007dfb496cca67e13b");
  EXPECT_EQ(hex_digest(md5, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"),
            "d174ab98d277d9f5a5611c2c9f419d9f");
  EXPECT_EQ(hex_digest(md5,
                       "1234567890123456789012345678901234567890"
                       "1234567890123456789012345678901234567890"),
            "57edf4a22be3c955ac49da2e2107b67a");
}

TEST(Sha1, MatchesFips180Vectors) {
  const auto sha1 = DigestAlgorithm::kSha1;
  EXPECT_EQ(hex_digest(sha1, ""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  EXPECT_EQ(hex_digest(sha1, "abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(hex_digest(sha1, "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
  EXPECT_EQ(hex_digest(sha1, std::string(1'000'000, 'a')),
            "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

TEST(Sha256, MatchesFips180Vectors) {
  const auto sha256 = DigestAlgorithm::kSha256;
  EXPECT_EQ(hex_digest(sha256, ""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(hex_digest(sha256, "abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex_digest(sha256, "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(hex_digest(sha256, std::string(1'000'000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256Hex, IsLowercaseHexOfSha256) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Crc, CheckValuesOf123456789) {
  EXPECT_EQ(crc32_update(0, bytes_of("123456789")), 0xCBF43926u);
  EXPECT_EQ(crc32c_update(0, bytes_of("123456789")), 0xE3069283u);
  EXPECT_EQ(crc64nvme_update(0, bytes_of("123456789")), 0xAE8B14860A799888u);
}

TEST(Crc, EmptyInputIsZero) {
  EXPECT_EQ(crc32_update(0, {}), 0u);
  EXPECT_EQ(crc32c_update(0, {}), 0u);
  EXPECT_EQ(crc64nvme_update(0, {}), 0u);
}

TEST(Crc, DigestBytesAreBigEndian) {
  EXPECT_EQ(hex_digest(DigestAlgorithm::kCrc32, "123456789"), "cbf43926");
  EXPECT_EQ(hex_digest(DigestAlgorithm::kCrc32c, "123456789"), "e3069283");
  EXPECT_EQ(hex_digest(DigestAlgorithm::kCrc64Nvme, "123456789"), "ae8b14860a799888");
}

// The x-amz-checksum-* header values S3 and the AWS SDKs produce.
TEST(AwsChecksumHeaders, EmptyBodyValues) {
  EXPECT_EQ(base64_digest(DigestAlgorithm::kCrc32, ""), "AAAAAA==");
  EXPECT_EQ(base64_digest(DigestAlgorithm::kCrc32c, ""), "AAAAAA==");
  EXPECT_EQ(base64_digest(DigestAlgorithm::kCrc64Nvme, ""), "AAAAAAAAAAA=");
  EXPECT_EQ(base64_digest(DigestAlgorithm::kSha1, ""), "2jmj7l5rSw0yVb/vlWAYkK/YBwk=");
  EXPECT_EQ(base64_digest(DigestAlgorithm::kSha256, ""),
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
  EXPECT_EQ(base64_digest(DigestAlgorithm::kMd5, ""), "1B2M2Y8AsgTpgAmY7PhCfg==");  // Content-MD5
}

TEST(AwsChecksumHeaders, HelloWorldValues) {
  EXPECT_EQ(base64_digest(DigestAlgorithm::kCrc32, "hello world"), "DUoRhQ==");
  EXPECT_EQ(base64_digest(DigestAlgorithm::kCrc32c, "hello world"), "yZRlqg==");
  EXPECT_EQ(base64_digest(DigestAlgorithm::kCrc64Nvme, "hello world"), "jSnVw/bqjr4=");
  EXPECT_EQ(base64_digest(DigestAlgorithm::kSha1, "hello world"), "Kq5sNclPz7QV2+lfQIuc6R7oRu0=");
  EXPECT_EQ(base64_digest(DigestAlgorithm::kSha256, "hello world"),
            "uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=");
  EXPECT_EQ(base64_digest(DigestAlgorithm::kMd5, "hello world"), "XrY7u+Ae7tCTyyK7j1rNww==");
}

TEST(AwsChecksumHeaders, QuickBrownFoxValues) {
  const std::string_view fox = "The quick brown fox jumps over the lazy dog";
  EXPECT_EQ(base64_digest(DigestAlgorithm::kCrc32, fox), "QU+jOQ==");
  EXPECT_EQ(base64_digest(DigestAlgorithm::kCrc32c, fox), "ImIEBA==");
  EXPECT_EQ(base64_digest(DigestAlgorithm::kCrc64Nvme, fox), "12xUBUlUwUM=");
}

// --- HMAC ---

TEST(HmacSha256, MatchesRfc4231TestCases) {
  // Test case 1
  EXPECT_EQ(to_hex(hmac_sha256(std::string(20, '\x0b'), "Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  // Test case 2: a key shorter than the output
  EXPECT_EQ(to_hex(hmac_sha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // Test case 3
  EXPECT_EQ(to_hex(hmac_sha256(std::string(20, '\xaa'), std::string(50, '\xdd'))),
            "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
  // Test case 4
  std::string key4;
  for (int i = 1; i <= 25; ++i) key4 += static_cast<char>(i);
  EXPECT_EQ(to_hex(hmac_sha256(key4, std::string(50, '\xcd'))),
            "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
}

TEST(HmacSha256, HashesKeysLongerThanTheBlock) {
  // RFC 4231 test cases 6 and 7: a 131-byte key.
  const std::string key(131, '\xaa');
  EXPECT_EQ(to_hex(hmac_sha256(key, "Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  EXPECT_EQ(to_hex(hmac_sha256(key,
                               "This is a test using a larger than block-size key and a larger "
                               "than block-size data. The key needs to be hashed before being "
                               "used by the HMAC algorithm.")),
            "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

TEST(HmacSha256, ExactBlockSizeKeyIsUsedAsIs) {
  // A 64-byte key is not hashed; hashing it first would give a different MAC.
  const std::string key(64, 'k');
  EXPECT_NE(hmac_sha256(key, "data"), hmac_sha256(digest(DigestAlgorithm::kSha256, key), "data"));
  const std::string long_key(65, 'k');
  EXPECT_EQ(hmac_sha256(long_key, "data"),
            hmac_sha256(digest(DigestAlgorithm::kSha256, long_key), "data"));
}

// --- streaming ---

TEST(Hasher, ReportsItsAlgorithm) {
  for (const auto algorithm : kAllAlgorithms) {
    EXPECT_EQ(make_hasher(algorithm)->algorithm(), algorithm);
  }
}

TEST(Hasher, WithoutUpdatesGivesDigestOfEmptyInput) {
  for (const auto algorithm : kAllAlgorithms) {
    EXPECT_EQ(make_hasher(algorithm)->final(), digest(algorithm, "")) << digest_name(algorithm);
  }
}

TEST(Hasher, ChunkedUpdatesEqualOneShotDigest) {
  const std::string data = random_bytes(300'000, 1);
  const size_t chunk_sizes[] = {1, 7, 16, 63, 64, 65, 1000, 4096, 65537};
  for (const auto algorithm : kAllAlgorithms) {
    const std::string expected = digest(algorithm, data);
    for (const size_t chunk : chunk_sizes) {
      auto hasher = make_hasher(algorithm);
      for (size_t pos = 0; pos < data.size(); pos += chunk) {
        hasher->update(std::string_view(data).substr(pos, chunk));
      }
      EXPECT_EQ(hasher->final(), expected) << digest_name(algorithm) << " chunk " << chunk;
    }
  }
}

TEST(Hasher, EmptyUpdatesChangeNothing) {
  for (const auto algorithm : kAllAlgorithms) {
    auto hasher = make_hasher(algorithm);
    hasher->update("");
    hasher->update("abc");
    hasher->update(std::span<const uint8_t>());
    EXPECT_EQ(hasher->final(), digest(algorithm, "abc")) << digest_name(algorithm);
  }
}

// --- CRC updates chain on finished values ---

TEST(CrcUpdate, ChainsFinishedValues) {
  const std::string data = random_bytes(10'000, 2);
  const auto all = bytes_of(data);
  for (const size_t split : {size_t{0}, size_t{1}, size_t{9}, size_t{100}, size_t{4097}}) {
    const auto a = all.first(split);
    const auto b = all.subspan(split);
    EXPECT_EQ(crc32_update(crc32_update(0, a), b), crc32_update(0, all));
    EXPECT_EQ(crc32c_update(crc32c_update(0, a), b), crc32c_update(0, all));
    EXPECT_EQ(crc64nvme_update(crc64nvme_update(0, a), b), crc64nvme_update(0, all));
  }
}

// The folding path (long inputs) and the table path (short ones, and every byte fed
// separately) must agree for every length and alignment around the thresholds.
TEST(Crc64Nvme, FoldingAgreesWithTablesForAllLengthsAndAlignments) {
  const std::string data = random_bytes(2048 + 16, 3);
  for (size_t offset = 0; offset < 16; offset += 5) {
    for (size_t len = 0; len <= 700; ++len) {
      const auto span = bytes_of(data).subspan(offset, len);
      uint64_t bytewise = 0;
      for (size_t i = 0; i < len; ++i) bytewise = crc64nvme_update(bytewise, span.subspan(i, 1));
      ASSERT_EQ(crc64nvme_update(0, span), bytewise) << "offset " << offset << " len " << len;
    }
  }
}

TEST(Crc64Nvme, LargeBufferMatchesChunkedComputation) {
  const std::string data = random_bytes(1 << 20, 4);
  uint64_t chunked = 0;
  for (size_t pos = 0; pos < data.size(); pos += 100) {
    chunked = crc64nvme_update(chunked, bytes_of(std::string_view(data).substr(pos, 100)));
  }
  EXPECT_EQ(crc64nvme_update(0, bytes_of(data)), chunked);
}

TEST(Crc32c, LargeBufferMatchesChunkedComputation) {
  const std::string data = random_bytes(1 << 20, 5);
  uint32_t chunked = 0;
  for (size_t pos = 0; pos < data.size(); pos += 1000) {
    chunked = crc32c_update(chunked, bytes_of(std::string_view(data).substr(pos, 1000)));
  }
  EXPECT_EQ(crc32c_update(0, bytes_of(data)), chunked);
}

// --- combine ---

TEST(CrcCombine, EqualsCrcOfConcatenation) {
  const std::string data = random_bytes(70'000, 6);
  const auto all = bytes_of(data);
  for (const size_t split : {size_t{0}, size_t{1}, size_t{3}, size_t{64}, size_t{1000},
                             size_t{65536}, data.size() - 1, data.size()}) {
    const auto a = all.first(split);
    const auto b = all.subspan(split);
    EXPECT_EQ(crc32_combine(crc32_update(0, a), crc32_update(0, b), b.size()), crc32_update(0, all))
        << split;
    EXPECT_EQ(crc32c_combine(crc32c_update(0, a), crc32c_update(0, b), b.size()),
              crc32c_update(0, all))
        << split;
    EXPECT_EQ(crc64nvme_combine(crc64nvme_update(0, a), crc64nvme_update(0, b), b.size()),
              crc64nvme_update(0, all))
        << split;
  }
}

TEST(CrcCombine, WithEmptySecondPartReturnsFirst) {
  EXPECT_EQ(crc32_combine(0xCBF43926u, 0, 0), 0xCBF43926u);
  EXPECT_EQ(crc32c_combine(0xE3069283u, 0, 0), 0xE3069283u);
  EXPECT_EQ(crc64nvme_combine(0xAE8B14860A799888u, 0, 0), 0xAE8B14860A799888u);
}

TEST(CrcCombine, WithEmptyFirstPartReturnsSecond) {
  EXPECT_EQ(crc32_combine(0, 0xCBF43926u, 9), 0xCBF43926u);
  EXPECT_EQ(crc32c_combine(0, 0xE3069283u, 9), 0xE3069283u);
  EXPECT_EQ(crc64nvme_combine(0, 0xAE8B14860A799888u, 9), 0xAE8B14860A799888u);
}

// A FULL_OBJECT checksum of a multipart upload: parts folded left to right.
TEST(CrcCombine, FoldsManyPartsIntoFullObjectChecksum) {
  const std::string data = random_bytes(5 * 8192 + 123, 7);
  const size_t part_size = 8192;
  uint32_t crc32 = 0;
  uint32_t crc32c = 0;
  uint64_t crc64 = 0;
  for (size_t pos = 0; pos < data.size(); pos += part_size) {
    const auto part = bytes_of(std::string_view(data).substr(pos, part_size));
    crc32 = crc32_combine(crc32, crc32_update(0, part), part.size());
    crc32c = crc32c_combine(crc32c, crc32c_update(0, part), part.size());
    crc64 = crc64nvme_combine(crc64, crc64nvme_update(0, part), part.size());
  }
  EXPECT_EQ(crc32, crc32_update(0, bytes_of(data)));
  EXPECT_EQ(crc32c, crc32c_update(0, bytes_of(data)));
  EXPECT_EQ(crc64, crc64nvme_update(0, bytes_of(data)));
}

// Long second parts exercise the high powers of x; zeros make them cheap to build.
TEST(CrcCombine, HandlesMebibyteSecondParts) {
  const std::string head = "moss";
  const std::string zeros(3 << 20, '\0');
  const std::string whole = head + zeros;
  EXPECT_EQ(crc32_combine(crc32_update(0, bytes_of(head)), crc32_update(0, bytes_of(zeros)),
                          zeros.size()),
            crc32_update(0, bytes_of(whole)));
  EXPECT_EQ(crc32c_combine(crc32c_update(0, bytes_of(head)), crc32c_update(0, bytes_of(zeros)),
                           zeros.size()),
            crc32c_update(0, bytes_of(whole)));
  EXPECT_EQ(crc64nvme_combine(crc64nvme_update(0, bytes_of(head)),
                              crc64nvme_update(0, bytes_of(zeros)), zeros.size()),
            crc64nvme_update(0, bytes_of(whole)));
}

// Lengths beyond what a test can hash: combining is associative, so
// combine(combine(a, b, n), c, m) must equal combine(a, combine(b, c, m), n + m).
TEST(CrcCombine, IsAssociativeForHugeLengths) {
  const uint64_t n = uint64_t{1} << 40;
  const uint64_t m = (uint64_t{1} << 62) + 12345;
  const uint32_t a = 0x12345678, b = 0x9abcdef0, c = 0x0fedcba9;
  EXPECT_EQ(crc32_combine(crc32_combine(a, b, n), c, m),
            crc32_combine(a, crc32_combine(b, c, m), n + m));
  EXPECT_EQ(crc32c_combine(crc32c_combine(a, b, n), c, m),
            crc32c_combine(a, crc32c_combine(b, c, m), n + m));
  const uint64_t a64 = 0x0123456789abcdef, b64 = 0xfedcba9876543210, c64 = 0x5555aaaa5555aaaa;
  EXPECT_EQ(crc64nvme_combine(crc64nvme_combine(a64, b64, n), c64, m),
            crc64nvme_combine(a64, crc64nvme_combine(b64, c64, m), n + m));
}

}  // namespace
}  // namespace moss
