// The checksum of an object completed from parts, in the two ways S3 offers:
//   COMPOSITE    the algorithm applied to the concatenated binary part
//                checksums, base64, then "-" and the number of parts (any
//                algorithm);
//   FULL_OBJECT  the checksum of the whole object's bytes, obtained from the
//                part CRCs and sizes with crc_combine, never by reading the data
//                (CRC32, CRC32C, CRC64NVME only).
// Throws S3Error where a request names a combination S3 refuses.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "moss/store/upload_types.h"
#include "moss/util/digest.h"

namespace moss::s3 {

enum class ChecksumType { kComposite, kFullObject };

std::string_view checksum_type_name(ChecksumType type);  // "COMPOSITE", "FULL_OBJECT"

struct UploadChecksumMode {
  DigestAlgorithm algorithm;
  ChecksumType type;
};

// What CreateMultipartUpload asks for with x-amz-checksum-algorithm and
// x-amz-checksum-type (empty when absent). No algorithm: nullopt. The type
// defaults to FULL_OBJECT for CRC64NVME and COMPOSITE otherwise. InvalidRequest
// for an unknown algorithm or type, a type without an algorithm, FULL_OBJECT
// with a SHA, or COMPOSITE with CRC64NVME.
std::optional<UploadChecksumMode> parse_upload_checksum_mode(std::string_view algorithm,
                                                             std::string_view type);

// The object's checksum (base64, "-N" suffixed when composite) from its parts'
// checksums of `mode.algorithm`; nullopt when a part has none of that algorithm.
std::optional<std::string> combine_part_checksums(const UploadChecksumMode& mode,
                                                  const std::vector<store::UploadPart>& parts);

}  // namespace moss::s3
