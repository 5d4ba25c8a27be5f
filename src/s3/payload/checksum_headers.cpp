#include "s3/payload/checksum_headers.h"

#include <array>

#include "moss/util/ascii.h"
#include "moss/util/base64.h"
#include "s3/errors.h"

namespace moss::s3 {
namespace {

constexpr std::array kChecksumAlgorithms = {DigestAlgorithm::kCrc32, DigestAlgorithm::kCrc32c,
                                            DigestAlgorithm::kCrc64Nvme, DigestAlgorithm::kSha1,
                                            DigestAlgorithm::kSha256};

bool valid_checksum_value(DigestAlgorithm algorithm, std::string_view value) {
  auto raw = base64_decode(value);
  return raw && raw->size() == digest_size(algorithm);
}

S3Error invalid_value(DigestAlgorithm algorithm) {
  return S3Error(S3ErrorCode::kInvalidRequest,
                 "Value for " + checksum_header_name(algorithm) + " header is invalid.");
}

}  // namespace

std::string checksum_header_name(DigestAlgorithm algorithm) {
  return "x-amz-checksum-" + ascii_lowercase(digest_name(algorithm));
}

std::vector<DigestAlgorithm> ChecksumRequest::digests_needed() const {
  if (algorithm) return {*algorithm};
  return {};
}

ChecksumRequest parse_checksum_request(const RequestHead& head) {
  ChecksumRequest out;
  // A Content-MD5 header that is present but empty is no digest at all.
  if (head.find("content-md5") != head.end()) {
    auto raw = base64_decode(head["content-md5"]);
    if (!raw || raw->size() != 16) throw S3Error(S3ErrorCode::kInvalidDigest);
    out.content_md5 = std::move(*raw);
  }

  for (auto algorithm : kChecksumAlgorithms) {
    auto value = head[checksum_header_name(algorithm)];
    if (value.empty()) continue;
    if (out.algorithm) {
      throw S3Error(S3ErrorCode::kInvalidRequest,
                    "Expecting a single x-amz-checksum- header. Multiple checksum Types are not "
                    "allowed.");
    }
    if (!valid_checksum_value(algorithm, value)) throw invalid_value(algorithm);
    out.algorithm = algorithm;
    out.expected = std::string(value);
  }

  if (auto trailer = head["x-amz-trailer"]; !trailer.empty()) {
    std::string name = ascii_lowercase(trailer);
    // Some clients list the trailer with surrounding spaces.
    while (!name.empty() && name.back() == ' ') name.pop_back();
    while (!name.empty() && name.front() == ' ') name.erase(name.begin());
    bool known = false;
    for (auto algorithm : kChecksumAlgorithms) {
      if (name == checksum_header_name(algorithm)) {
        if (out.algorithm && *out.algorithm != algorithm) {
          throw S3Error(S3ErrorCode::kInvalidRequest, "Expecting a single x-amz-checksum- header.");
        }
        out.algorithm = algorithm;
        out.trailer_name = name;
        known = true;
      }
    }
    if (!known) {
      throw S3Error(S3ErrorCode::kInvalidRequest,
                    "The value specified in the x-amz-trailer header is not supported");
    }
  }

  if (auto sdk = head["x-amz-sdk-checksum-algorithm"]; !sdk.empty()) {
    auto algorithm = digest_from_name(sdk);
    if (!algorithm || *algorithm == DigestAlgorithm::kMd5) {
      throw S3Error(S3ErrorCode::kInvalidRequest,
                    "Value for x-amz-sdk-checksum-algorithm header is invalid.");
    }
    if (!out.algorithm) out.algorithm = algorithm;
  }
  return out;
}

VerifiedChecksum verify_checksums(
    const ChecksumRequest& request, const std::string& md5_raw,
    const std::map<DigestAlgorithm, std::string>& digests,
    const std::vector<std::pair<std::string, std::string>>& trailers) {
  if (request.content_md5 && *request.content_md5 != md5_raw) {
    throw S3Error(S3ErrorCode::kBadDigest)
        .with("ExpectedDigest", base64_encode(*request.content_md5))
        .with("CalculatedDigest", base64_encode(md5_raw));
  }
  VerifiedChecksum out;
  if (!request.algorithm) return out;
  auto it = digests.find(*request.algorithm);
  if (it == digests.end()) return out;
  const std::string computed = base64_encode(it->second);
  std::optional<std::string> expected = request.expected;
  if (!request.trailer_name.empty()) {
    for (const auto& [name, value] : trailers) {
      if (name == request.trailer_name) expected = value;
    }
    if (!expected) {
      throw S3Error(S3ErrorCode::kInvalidRequest, "The trailer " + request.trailer_name +
                                                      " announced in x-amz-trailer is "
                                                      "missing.");
    }
    if (!valid_checksum_value(*request.algorithm, *expected)) {
      throw invalid_value(*request.algorithm);
    }
  }
  if (expected && *expected != computed) {
    throw S3Error(S3ErrorCode::kBadDigest, "The " + std::string(digest_name(*request.algorithm)) +
                                               " you specified did not match the calculated "
                                               "checksum.");
  }
  out.algorithm = std::string(digest_name(*request.algorithm));
  out.base64 = computed;
  return out;
}

}  // namespace moss::s3
