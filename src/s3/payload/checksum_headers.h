// The integrity checks a client can attach to a payload: Content-MD5, and one
// x-amz-checksum-<algorithm> given as a header or announced in x-amz-trailer
// and sent after an aws-chunked body.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "moss/s3/exchange.h"
#include "moss/util/digest.h"

namespace moss::s3 {

struct ChecksumRequest {
  std::optional<std::string> content_md5;  // raw 16 bytes
  std::optional<DigestAlgorithm> algorithm;
  std::optional<std::string> expected;  // base64, from a header
  std::string trailer_name;             // "x-amz-checksum-crc32" when sent as a trailer

  // The digests to compute while the payload streams.
  std::vector<DigestAlgorithm> digests_needed() const;
};

// Throws S3Error: InvalidDigest (Content-MD5 not base64 of 16 bytes),
// InvalidRequest (unknown algorithm, several checksums, a malformed value).
ChecksumRequest parse_checksum_request(const RequestHead& head);

struct VerifiedChecksum {
  std::string algorithm;  // "CRC32"; empty when the client sent none
  std::string base64;
};

// Compares what the client declared with what was computed (`md5` and
// `digests` raw). Throws BadDigest on a mismatch, InvalidRequest when an
// announced trailer is missing or malformed.
VerifiedChecksum verify_checksums(const ChecksumRequest& request, const std::string& md5_raw,
                                  const std::map<DigestAlgorithm, std::string>& digests,
                                  const std::vector<std::pair<std::string, std::string>>& trailers);

// "x-amz-checksum-crc32" for kCrc32.
std::string checksum_header_name(DigestAlgorithm algorithm);

}  // namespace moss::s3
