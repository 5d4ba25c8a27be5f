#include "s3/handlers/multipart_completion.h"

#include <algorithm>
#include <array>
#include <charconv>

#include "moss/util/ascii.h"
#include "moss/util/etag.h"
#include "moss/util/hex.h"
#include "s3/errors.h"
#include "s3/xml.h"

namespace moss::s3 {
namespace {

constexpr std::array kChecksumElements = {
    std::pair{"ChecksumCRC32", DigestAlgorithm::kCrc32},
    std::pair{"ChecksumCRC32C", DigestAlgorithm::kCrc32c},
    std::pair{"ChecksumCRC64NVME", DigestAlgorithm::kCrc64Nvme},
    std::pair{"ChecksumSHA1", DigestAlgorithm::kSha1},
    std::pair{"ChecksumSHA256", DigestAlgorithm::kSha256},
};

std::optional<int> parse_int(std::string_view text) {
  text = trim_ascii_space(text);
  int value = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || p != text.data() + text.size()) return std::nullopt;
  return value;
}

S3Error invalid_part(const CompletedPartRequest& part) {
  return S3Error(S3ErrorCode::kInvalidPart)
      .with("PartNumber", std::to_string(part.part_number))
      .with("ETag", part.etag);
}

}  // namespace

int parse_part_number(std::string_view text) {
  auto number = parse_int(text);
  if (!number || *number < 1 || *number > kMaxPartNumber) {
    throw S3Error(S3ErrorCode::kInvalidArgument,
                  "Part number must be an integer between 1 and 10000, inclusive")
        .with("ArgumentName", "partNumber")
        .with("ArgumentValue", std::string(text));
  }
  return *number;
}

std::vector<CompletedPartRequest> parse_complete_request(std::string_view xml) {
  auto doc = parse_request_xml(xml, "CompleteMultipartUpload");
  std::vector<CompletedPartRequest> parts;
  for (auto node : doc.document_element().children()) {
    if (node.type() != pugi::node_element || local_name(node) != "Part") continue;
    auto number_node = child(node, "PartNumber");
    auto etag_node = child(node, "ETag");
    if (!number_node || !etag_node) throw S3Error(S3ErrorCode::kMalformedXML);
    auto number = parse_int(number_node.text().get());
    if (!number) throw S3Error(S3ErrorCode::kMalformedXML);
    CompletedPartRequest part;
    part.part_number = *number;
    part.etag = std::string(unquote_etag(trim_ascii_space(etag_node.text().get())));
    for (const auto& [element, algorithm] : kChecksumElements) {
      if (auto c = child(node, element)) part.checksums[algorithm] = c.text().get();
    }
    parts.push_back(std::move(part));
  }
  if (parts.empty()) throw S3Error(S3ErrorCode::kMalformedXML);
  return parts;
}

std::vector<store::UploadPart> select_completed_parts(
    const std::vector<CompletedPartRequest>& requested,
    const std::vector<store::UploadPart>& uploaded, uint64_t min_part_size) {
  for (size_t i = 1; i < requested.size(); ++i) {
    if (requested[i].part_number <= requested[i - 1].part_number) {
      throw S3Error(S3ErrorCode::kInvalidPartOrder)
          .with("PartNumber", std::to_string(requested[i].part_number));
    }
  }

  std::vector<store::UploadPart> selected;
  selected.reserve(requested.size());
  for (const auto& want : requested) {
    auto it = std::lower_bound(
        uploaded.begin(), uploaded.end(), want.part_number,
        [](const store::UploadPart& p, int number) { return p.part_number < number; });
    if (it == uploaded.end() || it->part_number != want.part_number || it->etag != want.etag) {
      throw invalid_part(want);
    }
    for (const auto& [algorithm, value] : want.checksums) {
      // A checksum the part was stored with must match; one it was not
      // stored with cannot be checked and is ignored.
      if (it->checksum_algorithm == digest_name(algorithm) && it->checksum != value) {
        throw invalid_part(want);
      }
    }
    selected.push_back(*it);
  }

  for (size_t i = 0; i + 1 < selected.size(); ++i) {
    if (selected[i].size < min_part_size) {
      throw S3Error(S3ErrorCode::kEntityTooSmall)
          .with("ProposedSize", std::to_string(selected[i].size))
          .with("MinSizeAllowed", std::to_string(min_part_size))
          .with("PartNumber", std::to_string(selected[i].part_number))
          .with("ETag", selected[i].etag);
    }
  }
  return selected;
}

bool names_completed_parts(const std::vector<CompletedPartRequest>& requested,
                           const std::vector<store::BlobSegment>& segments) {
  if (requested.size() != segments.size()) return false;
  for (size_t i = 0; i < requested.size(); ++i) {
    if (requested[i].part_number != segments[i].part_number ||
        ascii_lowercase(requested[i].etag) != segments[i].part_etag) {
      return false;
    }
  }
  return true;
}

std::string multipart_etag(const std::vector<store::UploadPart>& parts) {
  auto md5 = make_hasher(DigestAlgorithm::kMd5);
  for (const auto& part : parts) md5->update(from_hex(part.etag).value_or(std::string()));
  return to_hex(md5->final()) + "-" + std::to_string(parts.size());
}

}  // namespace moss::s3
