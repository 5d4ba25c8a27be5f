#include "s3/handlers/multipart_completion.h"

#include <gtest/gtest.h>

#include "s3/errors.h"
#include "unit/support/s3_error_testing.h"

namespace moss::s3 {
namespace {

constexpr uint64_t kMiB = 1 << 20;


store::UploadPart part(int number, uint64_t size, std::string etag) {
  store::UploadPart p;
  p.part_number = number;
  p.size = size;
  p.etag = std::move(etag);
  p.sha256 = "blob" + std::to_string(number);
  return p;
}

std::vector<CompletedPartRequest> request(std::vector<std::pair<int, std::string>> parts) {
  std::vector<CompletedPartRequest> out;
  for (auto& [n, etag] : parts) out.push_back(CompletedPartRequest{n, etag, {}});
  return out;
}

const std::vector<store::UploadPart> kUploaded = {part(1, 5 * kMiB, "aaaa"),
                                                  part(2, 5 * kMiB, "bbbb"), part(3, 1, "cccc")};

TEST(PartNumber, AcceptsOneToTenThousand) {
  EXPECT_EQ(parse_part_number("1"), 1);
  EXPECT_EQ(parse_part_number("10000"), 10000);
}

TEST(PartNumber, RejectsZeroTooLargeAndNonNumbers) {
  for (const char* bad : {"0", "10001", "-1", "", "1x", "abc", "99999999999"}) {
    EXPECT_EQ(error_code_of([&] { parse_part_number(bad); }), "InvalidArgument") << bad;
  }
}

TEST(CompleteRequest, ParsesPartsWithQuotedETagsAndChecksums) {
  auto parts = parse_complete_request(
      R"(<?xml version="1.0" encoding="UTF-8"?>
<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Part><ETag>"aaaa"</ETag><PartNumber>1</PartNumber><ChecksumCRC32>m+Pgow==</ChecksumCRC32></Part>
  <Part><PartNumber> 2 </PartNumber><ETag>&quot;bbbb&quot;</ETag></Part>
</CompleteMultipartUpload>)");
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].part_number, 1);
  EXPECT_EQ(parts[0].etag, "aaaa");
  EXPECT_EQ(parts[0].checksums.at(DigestAlgorithm::kCrc32), "m+Pgow==");
  EXPECT_EQ(parts[1].part_number, 2);
  EXPECT_EQ(parts[1].etag, "bbbb");
  EXPECT_TRUE(parts[1].checksums.empty());
}

TEST(CompleteRequest, MalformedDocumentsAreMalformedXML) {
  for (const char* bad : {
           "",
           "<CompleteMultipartUpload>",
           "<Other><Part><PartNumber>1</PartNumber><ETag>a</ETag></Part></Other>",
           "<CompleteMultipartUpload></CompleteMultipartUpload>",
           "<CompleteMultipartUpload><Part><ETag>a</ETag></Part></CompleteMultipartUpload>",
           "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber></Part>"
           "</CompleteMultipartUpload>",
           "<CompleteMultipartUpload><Part><PartNumber>one</PartNumber><ETag>a</ETag></Part>"
           "</CompleteMultipartUpload>",
       }) {
    EXPECT_EQ(error_code_of([&] { parse_complete_request(bad); }), "MalformedXML") << bad;
  }
}

TEST(SelectParts, ReturnsTheNamedPartsInOrder) {
  auto selected = select_completed_parts(request({{1, "aaaa"}, {3, "cccc"}}), kUploaded);
  ASSERT_EQ(selected.size(), 2u);
  EXPECT_EQ(selected[0].part_number, 1);
  EXPECT_EQ(selected[1].part_number, 3);
}

TEST(SelectParts, UnsortedPartsAreInvalidPartOrder) {
  EXPECT_EQ(error_code_of([] {
              select_completed_parts(request({{2, "bbbb"}, {1, "aaaa"}}), kUploaded);
            }),
            "InvalidPartOrder");
}

TEST(SelectParts, DuplicatedPartIsInvalidPartOrder) {
  EXPECT_EQ(error_code_of([] {
              select_completed_parts(request({{1, "aaaa"}, {1, "aaaa"}}), kUploaded);
            }),
            "InvalidPartOrder");
}

TEST(SelectParts, MissingPartIsInvalidPart) {
  EXPECT_EQ(error_code_of([] {
              select_completed_parts(request({{1, "aaaa"}, {4, "dddd"}}), kUploaded);
            }),
            "InvalidPart");
}

TEST(SelectParts, WrongETagIsInvalidPart) {
  EXPECT_EQ(error_code_of([] {
              select_completed_parts(request({{1, "aaaa"}, {2, "ffff"}}), kUploaded);
            }),
            "InvalidPart");
}

TEST(SelectParts, WrongPartChecksumIsInvalidPart) {
  auto uploaded = kUploaded;
  uploaded[0].checksum_algorithm = "CRC32";
  uploaded[0].checksum = "m+Pgow==";
  auto req = request({{1, "aaaa"}});
  req[0].checksums[DigestAlgorithm::kCrc32] = "AAAAAA==";
  EXPECT_EQ(error_code_of([&] { select_completed_parts(req, uploaded); }), "InvalidPart");
  req[0].checksums[DigestAlgorithm::kCrc32] = "m+Pgow==";
  EXPECT_EQ(select_completed_parts(req, uploaded).size(), 1u);
}

TEST(SelectParts, SmallMiddlePartIsEntityTooSmall) {
  auto uploaded = kUploaded;
  uploaded[1].size = 5 * kMiB - 1;
  EXPECT_EQ(error_code_of([&] {
              select_completed_parts(request({{1, "aaaa"}, {2, "bbbb"}, {3, "cccc"}}), uploaded);
            }),
            "EntityTooSmall");
}

TEST(SelectParts, SmallLastPartIsAllowed) {
  EXPECT_EQ(
      select_completed_parts(request({{1, "aaaa"}, {2, "bbbb"}, {3, "cccc"}}), kUploaded).size(),
      3u);
  // A single small part is its own last part.
  EXPECT_EQ(select_completed_parts(request({{3, "cccc"}}), kUploaded).size(), 1u);
}

TEST(SelectParts, OrderIsCheckedBeforeExistence) {
  EXPECT_EQ(error_code_of([] {
              select_completed_parts(request({{9, "zzzz"}, {1, "aaaa"}}), kUploaded);
            }),
            "InvalidPartOrder");
}

TEST(MultipartETag, IsMd5OfConcatenatedPartMd5sWithCount) {
  // Parts "1234" and "56789".
  std::vector<store::UploadPart> parts = {part(1, 4, "81dc9bdb52d04dc20036dbd8313ed055"),
                                          part(2, 5, "099ebea48ea9666a7da2177267983138")};
  EXPECT_EQ(multipart_etag(parts), "d8399932ce6023ac3365f50fbbcde132-2");
}

TEST(MultipartETag, SinglePartStillCarriesItsCount) {
  std::vector<store::UploadPart> parts = {part(1, 4, "81dc9bdb52d04dc20036dbd8313ed055")};
  // MD5 of the 16 raw bytes of the part's MD5.
  EXPECT_EQ(multipart_etag(parts).substr(32), "-1");
  EXPECT_NE(multipart_etag(parts).substr(0, 32), "81dc9bdb52d04dc20036dbd8313ed055");
}

}  // namespace
}  // namespace moss::s3

namespace moss::s3 {
namespace {

store::BlobSegment completed_segment(int number, std::string etag) {
  store::BlobSegment s;
  s.part_number = number;
  s.part_etag = std::move(etag);
  return s;
}

CompletedPartRequest requested_part(int number, std::string etag) {
  CompletedPartRequest p;
  p.part_number = number;
  p.etag = std::move(etag);
  return p;
}

TEST(RetriedCompletion, TheSamePartsNameTheCompletedObject) {
  const std::vector<store::BlobSegment> made = {completed_segment(1, "aa"),
                                                completed_segment(3, "bb")};
  EXPECT_TRUE(names_completed_parts({requested_part(1, "aa"), requested_part(3, "bb")}, made));
  EXPECT_TRUE(names_completed_parts({requested_part(1, "AA"), requested_part(3, "bb")}, made));
}

TEST(RetriedCompletion, OtherPartsDoNot) {
  const std::vector<store::BlobSegment> made = {completed_segment(1, "aa"),
                                                completed_segment(3, "bb")};
  EXPECT_FALSE(names_completed_parts({requested_part(1, "aa")}, made));
  EXPECT_FALSE(names_completed_parts({requested_part(1, "aa"), requested_part(2, "bb")}, made));
  EXPECT_FALSE(names_completed_parts({requested_part(1, "aa"), requested_part(3, "cc")}, made));
  EXPECT_FALSE(names_completed_parts(
      {requested_part(1, "aa"), requested_part(3, "bb"), requested_part(4, "dd")}, made));
}

}  // namespace
}  // namespace moss::s3
