#include "s3/payload/multipart_checksums.h"

#include "moss/util/base64.h"
#include "s3/errors.h"

namespace moss::s3 {
namespace {

bool is_crc(DigestAlgorithm a) {
  return a == DigestAlgorithm::kCrc32 || a == DigestAlgorithm::kCrc32c ||
         a == DigestAlgorithm::kCrc64Nvme;
}

uint64_t big_endian_value(std::string_view raw) {
  uint64_t v = 0;
  for (unsigned char c : raw) v = (v << 8) | c;
  return v;
}

std::string big_endian_bytes(uint64_t v, size_t size) {
  std::string out(size, '\0');
  for (size_t i = size; i-- > 0; v >>= 8) out[i] = static_cast<char>(v & 0xff);
  return out;
}

uint64_t crc_combine(DigestAlgorithm a, uint64_t crc_a, uint64_t crc_b, uint64_t len_b) {
  switch (a) {
    case DigestAlgorithm::kCrc32:
      return crc32_combine(static_cast<uint32_t>(crc_a), static_cast<uint32_t>(crc_b), len_b);
    case DigestAlgorithm::kCrc32c:
      return crc32c_combine(static_cast<uint32_t>(crc_a), static_cast<uint32_t>(crc_b), len_b);
    default:
      return crc64nvme_combine(crc_a, crc_b, len_b);
  }
}

}  // namespace

std::string_view checksum_type_name(ChecksumType type) {
  return type == ChecksumType::kFullObject ? "FULL_OBJECT" : "COMPOSITE";
}

std::optional<UploadChecksumMode> parse_upload_checksum_mode(std::string_view algorithm,
                                                             std::string_view type) {
  if (algorithm.empty()) {
    if (!type.empty()) {
      throw S3Error(S3ErrorCode::kInvalidRequest,
                    "The x-amz-checksum-type header can only be used with the "
                    "x-amz-checksum-algorithm header.");
    }
    return std::nullopt;
  }
  auto a = digest_from_name(algorithm);
  if (!a || *a == DigestAlgorithm::kMd5) {
    throw S3Error(S3ErrorCode::kInvalidRequest,
                  "Checksum algorithm provided is unsupported. Please try again with any of the "
                  "valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]");
  }
  UploadChecksumMode mode{
      *a, *a == DigestAlgorithm::kCrc64Nvme ? ChecksumType::kFullObject : ChecksumType::kComposite};
  if (type == "FULL_OBJECT") {
    mode.type = ChecksumType::kFullObject;
  } else if (type == "COMPOSITE") {
    mode.type = ChecksumType::kComposite;
  } else if (!type.empty()) {
    throw S3Error(S3ErrorCode::kInvalidRequest, "Value for x-amz-checksum-type header is invalid.");
  }
  if (mode.type == ChecksumType::kFullObject && !is_crc(*a)) {
    throw S3Error(S3ErrorCode::kInvalidRequest,
                  "The FULL_OBJECT checksum type cannot be used with the " +
                      std::string(digest_name(*a)) + " checksum algorithm.");
  }
  if (mode.type == ChecksumType::kComposite && *a == DigestAlgorithm::kCrc64Nvme) {
    throw S3Error(S3ErrorCode::kInvalidRequest,
                  "The COMPOSITE checksum type cannot be used with the CRC64NVME checksum "
                  "algorithm.");
  }
  return mode;
}

std::optional<std::string> combine_part_checksums(const UploadChecksumMode& mode,
                                                  const std::vector<store::UploadPart>& parts) {
  const std::string_view name = digest_name(mode.algorithm);
  const size_t size = digest_size(mode.algorithm);
  std::vector<std::string> raw;
  raw.reserve(parts.size());
  for (const auto& part : parts) {
    if (part.checksum_algorithm != name) return std::nullopt;
    auto bytes = base64_decode(part.checksum);
    if (!bytes || bytes->size() != size) return std::nullopt;
    raw.push_back(std::move(*bytes));
  }

  if (mode.type == ChecksumType::kFullObject) {
    uint64_t crc = 0;  // the CRC of no bytes
    for (size_t i = 0; i < parts.size(); ++i) {
      crc = crc_combine(mode.algorithm, crc, big_endian_value(raw[i]), parts[i].size);
    }
    return base64_encode(big_endian_bytes(crc, size));
  }
  auto hasher = make_hasher(mode.algorithm);
  for (const auto& r : raw) hasher->update(r);
  return base64_encode(hasher->final()) + "-" + std::to_string(parts.size());
}

}  // namespace moss::s3
