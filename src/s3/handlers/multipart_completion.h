// The rules of multipart uploads that need no I/O: part numbers, the
// CompleteMultipartUpload request document, which uploaded parts it selects
// (checked as S3 checks them), and the ETag of the completed object.
// Violations throw S3Error with S3's code for them.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "moss/store/upload_types.h"
#include "moss/util/digest.h"

namespace moss::s3 {

inline constexpr int kMaxPartNumber = 10000;
inline constexpr uint64_t kMinPartSize = 5ull << 20;  // all parts but the last
inline constexpr uint64_t kMaxPartSize = 5ull << 30;

// The partNumber query parameter: an integer 1..10000, else InvalidArgument.
int parse_part_number(std::string_view text);

// One <Part> of the CompleteMultipartUpload document.
struct CompletedPartRequest {
  int part_number = 0;
  std::string etag;  // quotes removed
  // <ChecksumCRC32> and friends, when given: algorithm -> base64 value.
  std::map<DigestAlgorithm, std::string> checksums;
};

// Parses the CompleteMultipartUpload body. MalformedXML when it is not well
// formed, names no part, or has a part without an integer PartNumber or an ETag.
std::vector<CompletedPartRequest> parse_complete_request(std::string_view xml);

// The uploaded parts `requested` names, in its order. Checks, in S3's order:
// part numbers strictly ascending (InvalidPartOrder; a repeated number too),
// each part uploaded with that ETag and any checksum given (InvalidPart), and
// every part but the last at least `min_part_size` bytes (EntityTooSmall).
// `uploaded` is in ascending part order.
std::vector<store::UploadPart> select_completed_parts(
    const std::vector<CompletedPartRequest>& requested,
    const std::vector<store::UploadPart>& uploaded, uint64_t min_part_size = kMinPartSize);

// The completed object's ETag: the hex MD5 of the concatenated binary MD5s of
// the parts, then "-" and the number of parts.
std::string multipart_etag(const std::vector<store::UploadPart>& parts);

// Whether a CompleteMultipartUpload document names exactly the parts (numbers
// and ETags, in order) a completed object was made of: a retried completion
// of the same upload, which is answered as the first was.
bool names_completed_parts(const std::vector<CompletedPartRequest>& requested,
                           const std::vector<store::BlobSegment>& segments);

}  // namespace moss::s3
