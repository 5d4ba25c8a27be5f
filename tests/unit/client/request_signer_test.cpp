#include "moss/client/request_signer.h"

#include <gtest/gtest.h>

#include "moss/util/time_format.h"

namespace moss::client {
namespace {

const Credentials kExampleKey{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"};
constexpr std::string_view kEmptySha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

std::string header(const Headers& headers, std::string_view name) {
  for (const auto& [n, v] : headers) {
    if (n == name) return v;
  }
  return "";
}

// The "GET Object" example of the S3 SigV4 documentation
// (sig-v4-header-based-auth.html), signed from the client side.
TEST(RequestSigner, GetObjectExampleGivesTheDocumentedAuthorization) {
  Headers headers = {{"Host", "examplebucket.s3.amazonaws.com"}, {"Range", "bytes=0-9"}};
  sign_request(headers, "GET", "/test.txt", "", kEmptySha256, kExampleKey, "us-east-1",
               *parse_amz_date("20130524T000000Z"));
  EXPECT_EQ(header(headers, "x-amz-date"), "20130524T000000Z");
  EXPECT_EQ(header(headers, "x-amz-content-sha256"), kEmptySha256);
  EXPECT_EQ(header(headers, "Authorization"),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/"
            "aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(RequestSigner, HopByHopHeadersAreNotSigned) {
  Headers headers = {{"Host", "h"},
                     {"User-Agent", "moss"},
                     {"Connection", "close"},
                     {"Content-Length", "3"},
                     {"x-amz-checksum-sha256", "abc="}};
  sign_request(headers, "PUT", "/b/k", "", kUnsignedPayload, kExampleKey, "us-east-1", 0);
  const std::string auth = header(headers, "Authorization");
  EXPECT_NE(auth.find("SignedHeaders=host;x-amz-checksum-sha256;x-amz-content-sha256;x-amz-date,"),
            std::string::npos)
      << auth;
}

TEST(RequestSigner, TheRegionAndDateMakeTheScope) {
  Headers headers = {{"Host", "h"}};
  sign_request(headers, "GET", "/", "", kEmptySha256, kExampleKey, "eu-west-3",
               *parse_amz_date("20240320T101500Z"));
  EXPECT_NE(header(headers, "Authorization").find("/20240320/eu-west-3/s3/aws4_request"),
            std::string::npos);
}

}  // namespace
}  // namespace moss::client
