#include "s3/payload/multipart_checksums.h"

#include <gtest/gtest.h>

#include "s3/errors.h"
#include "unit/support/s3_error_testing.h"

namespace moss::s3 {
namespace {

// Known values: the parts "1234" and "56789" of "123456789", whose CRC32,
// CRC32C and CRC64NVME are the standard check values 0xCBF43926, 0xE3069283
// and 0xAE8B14860A799888; composite values computed independently.
store::UploadPart part(int number, uint64_t size, const char* algorithm, const char* checksum) {
  store::UploadPart p;
  p.part_number = number;
  p.size = size;
  p.checksum_algorithm = algorithm;
  p.checksum = checksum;
  return p;
}


TEST(MultipartChecksums, CompositeCrc32IsCrcOfPartCrcsWithCount) {
  auto value =
      combine_part_checksums({DigestAlgorithm::kCrc32, ChecksumType::kComposite},
                             {part(1, 4, "CRC32", "m+Pgow=="), part(2, 5, "CRC32", "Ex2gcA==")});
  EXPECT_EQ(value, "rBMwBw==-2");
}

TEST(MultipartChecksums, CompositeCrc32cIsCrcOfPartCrcsWithCount) {
  auto value =
      combine_part_checksums({DigestAlgorithm::kCrc32c, ChecksumType::kComposite},
                             {part(1, 4, "CRC32C", "9jr07g=="), part(2, 5, "CRC32C", "g7Vl2A==")});
  EXPECT_EQ(value, "wClZWQ==-2");
}

TEST(MultipartChecksums, CompositeSha256IsShaOfPartShasWithCount) {
  auto value = combine_part_checksums(
      {DigestAlgorithm::kSha256, ChecksumType::kComposite},
      {part(1, 4, "SHA256", "A6xnQhbz4Vx2HuGl4lXwZ5U2I8iziLRFnhP5eNfIRvQ="),
       part(2, 5, "SHA256", "92BDp07DO2rvuyiQUPr3qo1IIJVHc5fj5jNFEl1J9Sc=")});
  EXPECT_EQ(value, "bnRBBTileCDVQlLT/6fZJGrqcf3O3X6G8kD8V7zZqxQ=-2");
}

TEST(MultipartChecksums, FullObjectCrc32IsTheWholeObjectsCrc) {
  auto value =
      combine_part_checksums({DigestAlgorithm::kCrc32, ChecksumType::kFullObject},
                             {part(1, 4, "CRC32", "m+Pgow=="), part(2, 5, "CRC32", "Ex2gcA==")});
  EXPECT_EQ(value, "y/Q5Jg==");  // 0xCBF43926
}

TEST(MultipartChecksums, FullObjectCrc32cIsTheWholeObjectsCrc) {
  auto value =
      combine_part_checksums({DigestAlgorithm::kCrc32c, ChecksumType::kFullObject},
                             {part(1, 4, "CRC32C", "9jr07g=="), part(2, 5, "CRC32C", "g7Vl2A==")});
  EXPECT_EQ(value, "4waSgw==");  // 0xE3069283
}

TEST(MultipartChecksums, FullObjectCrc64NvmeIsTheWholeObjectsCrc) {
  auto value = combine_part_checksums(
      {DigestAlgorithm::kCrc64Nvme, ChecksumType::kFullObject},
      {part(1, 4, "CRC64NVME", "KfXb5+L/cdQ="), part(2, 5, "CRC64NVME", "+H3Ihxds5mc=")});
  EXPECT_EQ(value, "rosUhgp5mIg=");  // 0xAE8B14860A799888
}

TEST(MultipartChecksums, SinglePartFullObjectIsThatPartsChecksum) {
  auto value = combine_part_checksums({DigestAlgorithm::kCrc32, ChecksumType::kFullObject},
                                      {part(1, 4, "CRC32", "m+Pgow==")});
  EXPECT_EQ(value, "m+Pgow==");
}

TEST(MultipartChecksums, PartWithoutThatChecksumGivesNothing) {
  EXPECT_FALSE(combine_part_checksums({DigestAlgorithm::kCrc32, ChecksumType::kComposite},
                                      {part(1, 4, "CRC32", "m+Pgow=="), part(2, 5, "", "")}));
  EXPECT_FALSE(combine_part_checksums({DigestAlgorithm::kCrc32, ChecksumType::kComposite},
                                      {part(1, 4, "CRC32C", "9jr07g==")}));
}

TEST(UploadChecksumMode, NoAlgorithmMeansNoChecksum) {
  EXPECT_FALSE(parse_upload_checksum_mode("", ""));
}

TEST(UploadChecksumMode, TypeDefaultsAsS3Does) {
  auto crc32 = parse_upload_checksum_mode("CRC32", "");
  ASSERT_TRUE(crc32);
  EXPECT_EQ(crc32->algorithm, DigestAlgorithm::kCrc32);
  EXPECT_EQ(crc32->type, ChecksumType::kComposite);
  auto crc64 = parse_upload_checksum_mode("crc64nvme", "");
  ASSERT_TRUE(crc64);
  EXPECT_EQ(crc64->type, ChecksumType::kFullObject);
  auto full = parse_upload_checksum_mode("CRC32C", "FULL_OBJECT");
  ASSERT_TRUE(full);
  EXPECT_EQ(full->type, ChecksumType::kFullObject);
}

TEST(UploadChecksumMode, RefusedCombinationsAreInvalidRequest) {
  EXPECT_EQ(error_code_of([] { parse_upload_checksum_mode("SHA256", "FULL_OBJECT"); }),
            "InvalidRequest");
  EXPECT_EQ(error_code_of([] { parse_upload_checksum_mode("CRC64NVME", "COMPOSITE"); }),
            "InvalidRequest");
  EXPECT_EQ(error_code_of([] { parse_upload_checksum_mode("", "FULL_OBJECT"); }), "InvalidRequest");
  EXPECT_EQ(error_code_of([] { parse_upload_checksum_mode("MD5", ""); }), "InvalidRequest");
  EXPECT_EQ(error_code_of([] { parse_upload_checksum_mode("CRC32", "PARTIAL"); }),
            "InvalidRequest");
}

}  // namespace
}  // namespace moss::s3
