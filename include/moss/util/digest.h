// Streaming digests and checksums: MD5 (ETag), SHA-1, SHA-256 (OpenSSL), and the
// CRCs S3 uses for x-amz-checksum-*: CRC32 (ISO-HDLC, as zlib), CRC32C (Castagnoli,
// via ISA-L) and CRC64NVME (ISA-L 2.30 lacks it: PCLMULQDQ folding here, with
// slice-by-8 tables for short inputs and CPUs without it).
//
// Every Hasher is single-threaded; create one per stream. final() may be called
// once; the object is then spent.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace moss {

enum class DigestAlgorithm { kMd5, kSha1, kSha256, kCrc32, kCrc32c, kCrc64Nvme };

// The S3 name ("CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"; MD5 as "MD5").
std::string_view digest_name(DigestAlgorithm algorithm);
// Case-insensitive inverse of digest_name, nullopt for an unknown name.
std::optional<DigestAlgorithm> digest_from_name(std::string_view name);
// Digest length in bytes (16, 20, 32, 4, 4, 8).
size_t digest_size(DigestAlgorithm algorithm);

class Hasher {
 public:
  virtual ~Hasher() = default;
  virtual void update(std::span<const uint8_t> data) = 0;
  void update(std::string_view data) {
    update(std::span(reinterpret_cast<const uint8_t*>(data.data()), data.size()));
  }
  // Raw digest bytes; CRCs big-endian (the byte order S3 base64-encodes).
  virtual std::string final() = 0;
  virtual DigestAlgorithm algorithm() const = 0;
};

std::unique_ptr<Hasher> make_hasher(DigestAlgorithm algorithm);

// One-shot helpers returning raw digest bytes.
std::string digest(DigestAlgorithm algorithm, std::span<const uint8_t> data);
inline std::string digest(DigestAlgorithm algorithm, std::string_view data) {
  return digest(algorithm, std::span(reinterpret_cast<const uint8_t*>(data.data()), data.size()));
}
std::string sha256_hex(std::string_view data);
std::string hmac_sha256(std::string_view key, std::string_view data);
// Only for Signature Version 2 presigned URLs, which older SDKs still produce.
std::string hmac_sha1(std::string_view key, std::string_view data);

// Plain CRC values (for composing multipart checksums).
uint32_t crc32_update(uint32_t crc, std::span<const uint8_t> data);     // init 0
uint32_t crc32c_update(uint32_t crc, std::span<const uint8_t> data);    // init 0
uint64_t crc64nvme_update(uint64_t crc, std::span<const uint8_t> data); // init 0

// CRC of the concatenation A||B from crc(A), crc(B) and len(B), as zlib's
// crc32_combine does: how a FULL_OBJECT checksum is built from part checksums
// without reading the data again.
uint32_t crc32_combine(uint32_t crc_a, uint32_t crc_b, uint64_t len_b);
uint32_t crc32c_combine(uint32_t crc_a, uint32_t crc_b, uint64_t len_b);
uint64_t crc64nvme_combine(uint64_t crc_a, uint64_t crc_b, uint64_t len_b);

}  // namespace moss
