// The headers of an object: values a response echoes from the request let
// nothing through that could end a header line, and Content-Encoding keeps
// what the client sent byte for byte, less the aws-chunked framing token.
#include "s3/handlers/object_headers.h"

#include <gtest/gtest.h>

#include <string>

#include "unit/support/s3_error_testing.h"

namespace moss::s3 {
namespace {

TEST(ResponseOverrides, OrdinaryValuesReplaceTheStoredHeaders) {
  ResponseHead head;
  head.set(http::field::content_type, "binary/octet-stream");
  apply_response_overrides(head, {{"response-content-type", "application/x-gguf"},
                                  {"response-content-disposition", "attachment; filename=\"m\""}});
  EXPECT_EQ(head[http::field::content_type], "application/x-gguf");
  EXPECT_EQ(head[http::field::content_disposition], "attachment; filename=\"m\"");
}

TEST(ResponseOverrides, ControlCharactersAreInvalidArguments) {
  const std::string values[] = {"a\r\nX-Injected: 1", "a\nb",        "a\rb",
                                std::string("a\0b", 3), "a\x1b" "b", "a\x7f" "b"};
  for (const std::string& value : values) {
    ResponseHead head;
    EXPECT_EQ(error_code_of([&] {
                apply_response_overrides(head, {{"response-cache-control", value}});
              }),
              "InvalidArgument");
    EXPECT_EQ(head.find(http::field::cache_control), head.end());
  }
}

TEST(ResponseOverrides, ATabIsAllowed) {
  ResponseHead head;
  apply_response_overrides(head, {{"response-cache-control", "no-cache,\tprivate"}});
  EXPECT_EQ(head[http::field::cache_control], "no-cache,\tprivate");
}

TEST(RequestAttributes, MetadataWithAControlCharacterIsRefused) {
  RequestHead head;
  head.set("x-amz-meta-note", std::string("a\x01" "b"));
  EXPECT_EQ(error_code_of([&] { attributes_from_request(head); }), "InvalidArgument");
  RequestHead typed;
  typed.set(http::field::content_type, "text/plain\r\nX: y");
  EXPECT_EQ(error_code_of([&] { attributes_from_request(typed); }), "InvalidArgument");
}

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
