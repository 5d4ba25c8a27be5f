// The stored headers of an object: Content-Encoding keeps what the client sent
// byte for byte, less the aws-chunked framing token S3 strips.
#include "s3/handlers/object_headers.h"

#include <gtest/gtest.h>

namespace moss::s3 {
namespace {

TEST(StripAwsChunked, ValueWithoutTheTokenIsKeptByteForByte) {
  EXPECT_EQ(strip_aws_chunked("deflate, gzip"), "deflate, gzip");
  EXPECT_EQ(strip_aws_chunked("deflate,gzip"), "deflate,gzip");
  EXPECT_EQ(strip_aws_chunked("gzip"), "gzip");
  EXPECT_EQ(strip_aws_chunked("x-custom;q=0.5 ,  br"), "x-custom;q=0.5 ,  br");
  EXPECT_EQ(strip_aws_chunked(""), "");
}

TEST(StripAwsChunked, TheTokenAloneLeavesNothing) {
  EXPECT_EQ(strip_aws_chunked("aws-chunked"), "");
  EXPECT_EQ(strip_aws_chunked("AWS-Chunked"), "");
}

TEST(StripAwsChunked, TheTokenGoesWithItsSeparator) {
  EXPECT_EQ(strip_aws_chunked("aws-chunked, gzip"), "gzip");
  EXPECT_EQ(strip_aws_chunked("aws-chunked,gzip"), "gzip");
  EXPECT_EQ(strip_aws_chunked("gzip, aws-chunked"), "gzip");
  EXPECT_EQ(strip_aws_chunked("deflate, aws-chunked, gzip"), "deflate, gzip");
  EXPECT_EQ(strip_aws_chunked("deflate,aws-chunked,gzip"), "deflate,gzip");
}

}  // namespace
}  // namespace moss::s3
