// The pure parts of uploads and registry calls: part sizes, the
// CompleteMultipartUpload body, tag request bodies.
#include <gtest/gtest.h>

#include "moss/client/file_upload.h"
#include "moss/client/registry_client.h"
#include "moss/client/s3_client.h"

namespace moss::client {
namespace {

constexpr uint64_t kMiB = 1ull << 20;

TEST(EffectivePartSize, KeepsTheRequestedSizeWhenItFits) {
  EXPECT_EQ(effective_part_size(10 * kMiB, 64 * kMiB), 64 * kMiB);
  EXPECT_EQ(effective_part_size(100ull << 30, 64 * kMiB), 64 * kMiB);
}

TEST(EffectivePartSize, NeverBelowTheS3Minimum) {
  EXPECT_EQ(effective_part_size(100 * kMiB, 1 * kMiB), 5 * kMiB);
}

TEST(EffectivePartSize, GrowsToStayWithinTenThousandParts) {
  const uint64_t size = 1ull << 40;  // 1 TiB at 64 MiB would be 16384 parts
  uint64_t part = effective_part_size(size, 64 * kMiB);
  EXPECT_LE((size + part - 1) / part, 10000u);
  EXPECT_EQ(part % kMiB, 0u);
}

TEST(CompleteMultipartUploadXml, ListsPartsWithTheirChecksums) {
  EXPECT_EQ(complete_multipart_upload_xml({{1, "\"a\"", "Y2s="}, {2, "\"b\"", ""}}),
            "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>\"a\"</ETag>"
            "<ChecksumSHA256>Y2s=</ChecksumSHA256></Part><Part><PartNumber>2</PartNumber>"
            "<ETag>\"b\"</ETag></Part></CompleteMultipartUpload>");
}

TEST(TagRequestBody, OneTargetIsThePlainForm) {
  EXPECT_EQ(tag_request_body({{"v2", 1}}).dump(), R"({"target":"v2"})");
}

TEST(TagRequestBody, WeightsGiveTheTargetsForm) {
  EXPECT_EQ(tag_request_body({{"v2", 10}, {"v1", 90}}).dump(),
            R"({"targets":[{"target":"v2","weight":10},{"target":"v1","weight":90}]})");
}

}  // namespace
}  // namespace moss::client
