#include "s3/handlers/copy_source.h"

#include <gtest/gtest.h>

#include "s3/errors.h"

namespace moss::s3 {
namespace {

std::string error_code_of_range(std::string_view header, uint64_t size) {
  try {
    parse_copy_source_range(header, size);
  } catch (const S3Error& e) {
    return std::string(e.info().code);
  }
  return "";
}

TEST(CopySource, ParsesBucketKeyAndVersion) {
  auto s = parse_copy_source("/src-bucket/dir/my%20key?versionId=v1");
  EXPECT_EQ(s.bucket, "src-bucket");
  EXPECT_EQ(s.key, "dir/my key");
  EXPECT_EQ(s.version_id, "v1");
  EXPECT_EQ(parse_copy_source("b/k").key, "k");
}

TEST(CopySourceRange, AcceptsARangeInsideTheObject) {
  auto r = parse_copy_source_range("bytes=0-9", 100);
  EXPECT_EQ(r.first, 0u);
  EXPECT_EQ(r.last, 9u);
  r = parse_copy_source_range("bytes=99-99", 100);
  EXPECT_EQ(r.length(), 1u);
}

TEST(CopySourceRange, RejectsOtherFormsAndRangesOutsideTheObject) {
  for (const char* bad : {"bytes=5-", "bytes=-5", "0-9", "bytes=a-b", "bytes=9-0", ""}) {
    EXPECT_EQ(error_code_of_range(bad, 100), "InvalidArgument") << bad;
  }
}

TEST(CopySourceRange, AWellFormedRangeOutsideTheSourceIsInvalidRange) {
  EXPECT_EQ(error_code_of_range("bytes=0-100", 100), "InvalidRange");
  EXPECT_EQ(error_code_of_range("bytes=100-200", 100), "InvalidRange");
  EXPECT_EQ(error_code_of_range("bytes=0-0", 0), "InvalidRange");
  // 400, as UploadPartCopy answers it (a GET's unsatisfiable Range is 416).
  try {
    parse_copy_source_range("bytes=0-100", 100);
    ADD_FAILURE() << "no error";
  } catch (const S3Error& e) {
    EXPECT_EQ(e.info().http_status, 400);
  }
}

}  // namespace
}  // namespace moss::s3

namespace moss::s3 {
namespace {

TEST(CopySource, AKeyThatIsNotUtf8IsInvalidArgument) {
  try {
    parse_copy_source("/b/bad%FF%FEkey");
    ADD_FAILURE() << "accepted";
  } catch (const S3Error& e) {
    EXPECT_EQ(e.info().code, "InvalidArgument");
  }
}

}  // namespace
}  // namespace moss::s3
