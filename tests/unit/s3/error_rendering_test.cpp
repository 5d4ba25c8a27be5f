// How errors reach the client: the S3 XML error document (Code, Message,
// detail elements, Resource, RequestId, status and headers from the one error
// table), the registry API's JSON errors, 304 without a body, HEAD answers
// without a body, and the answers to heads the transport rejected. The
// renderers are called directly; the rest goes through S3Service::handle.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "registry/json_responses.h"
#include "s3/errors.h"
#include "s3/responses.h"
#include "unit/support/service_fixture.h"

namespace moss::s3 {
namespace {

using ::moss::testing::Response;
using ::moss::testing::ServiceFixture;
namespace bhttp = boost::beast::http;

Response as_response(const bhttp::response<bhttp::string_body>& res) {
  Response out;
  out.status = static_cast<int>(res.result_int());
  out.head = res.base();
  out.body = res.body();
  return out;
}

TEST(ErrorRenderingTest, XmlErrorCarriesCodeMessageResourceAndRequestId) {
  auto res = as_response(error_response(S3Error(S3ErrorCode::kNoSuchKey).with("Key", "a/b.gguf"),
                                        "/models/a/b.gguf", "REQ123", 11));
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(res.xml("/Error/Code"), "NoSuchKey");
  EXPECT_EQ(res.xml("/Error/Message"), "The specified key does not exist.");
  EXPECT_EQ(res.xml("/Error/Key"), "a/b.gguf");
  EXPECT_EQ(res.xml("/Error/Resource"), "/models/a/b.gguf");
  EXPECT_EQ(res.xml("/Error/RequestId"), "REQ123");
  EXPECT_EQ(res.header("x-amz-request-id"), "REQ123");
  EXPECT_EQ(res.header("Content-Type"), "application/xml");
  EXPECT_EQ(res.header("Content-Length"), std::to_string(res.body.size()));
}

TEST(ErrorRenderingTest, XmlErrorUsesTheSpecificMessageWhenGiven) {
  auto res = as_response(
      error_response(S3Error(S3ErrorCode::kInvalidArgument, "max-keys is odd"), "/b", "R", 11));
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(res.xml("/Error/Message"), "max-keys is odd");
}

TEST(ErrorRenderingTest, XmlErrorStatusComesFromTheErrorTable) {
  EXPECT_EQ(
      as_response(error_response(S3Error(S3ErrorCode::kBucketNotEmpty), "/b", "R", 11)).status,
      409);
  EXPECT_EQ(as_response(error_response(S3Error(S3ErrorCode::kAccessDenied), "/b", "R", 11)).status,
            403);
  EXPECT_EQ(as_response(error_response(S3Error(S3ErrorCode::kInvalidRange), "/b", "R", 11)).status,
            416);
  EXPECT_EQ(
      as_response(error_response(S3Error(S3ErrorCode::kPreconditionFailed), "/b", "R", 11)).status,
      412);
}

TEST(ErrorRenderingTest, XmlErrorCarriesTheErrorsExtraHeaders) {
  S3Error error(S3ErrorCode::kNoSuchKey);
  error.header("x-amz-delete-marker", "true");
  auto res = as_response(error_response(error, "/b/k", "R", 11));
  EXPECT_EQ(res.header("x-amz-delete-marker"), "true");
}

TEST(ErrorRenderingTest, NotModifiedHasNoBody) {
  auto res = as_response(error_response(S3Error(S3ErrorCode::kNotModified), "/b/k", "R", 11));
  EXPECT_EQ(res.status, 304);
  EXPECT_TRUE(res.body.empty());
}

TEST(ErrorRenderingTest, JsonErrorHasCodeMessageAndRequestId) {
  auto res = as_response(json_error_response(
      S3Error(S3ErrorCode::kNoSuchTag, "The specified tag does not exist: m/latest"), "REQ9", 11));
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(res.header("Content-Type"), "application/json");
  auto doc = res.json();
  EXPECT_EQ(doc["error"]["code"], "NoSuchTag");
  EXPECT_EQ(doc["error"]["message"], "The specified tag does not exist: m/latest");
  EXPECT_EQ(doc["error"]["request_id"], "REQ9");
}

// --- Through the front door.

using ServiceErrorRenderingTest = ServiceFixture;

TEST_F(ServiceErrorRenderingTest, ErrorBodyNamesTheResourceAndTheRequestIdOfItsResponse) {
  create_bucket("rendering");
  auto res = get_object("rendering", "missing/key.bin");
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(res.error_code(), "NoSuchKey");
  EXPECT_EQ(res.xml("/Error/Resource"), "/rendering/missing/key.bin");
  ASSERT_FALSE(res.header("x-amz-request-id").empty());
  EXPECT_EQ(res.xml("/Error/RequestId"), res.header("x-amz-request-id"));
}

TEST_F(ServiceErrorRenderingTest, HeadErrorHasTheStatusButNoBody) {
  create_bucket("rendering");
  auto res = request(bhttp::verb::head, "/rendering/missing");
  EXPECT_EQ(res.status, 404);
  EXPECT_TRUE(res.body.empty());
  EXPECT_FALSE(res.header("x-amz-request-id").empty());
}

TEST_F(ServiceErrorRenderingTest, RegistryApiErrorsAreJson) {
  auto res = request(bhttp::verb::get, "/_moss/v1/nothing-here");
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(res.header("Content-Type"), "application/json");
  EXPECT_EQ(res.json()["error"]["code"], "NoSuchKey");
  EXPECT_EQ(res.json()["error"]["request_id"], res.header("x-amz-request-id"));
}

TEST_F(ServiceErrorRenderingTest, RequestIdsDifferBetweenRequests) {
  auto first = unsigned_request(bhttp::verb::get, "/");
  auto second = unsigned_request(bhttp::verb::get, "/");
  EXPECT_NE(first.header("x-amz-request-id"), second.header("x-amz-request-id"));
}

TEST_F(ServiceErrorRenderingTest, ErrorBeforeTheBodyWasReadClosesTheConnection) {
  // Anonymous PUT: refused before its body is read, so the unread body would
  // be taken for the next request on a reused connection.
  auto res = unsigned_request(bhttp::verb::put, "/rendering/key", {}, "unread body");
  EXPECT_EQ(res.error_code(), "AccessDenied");
  EXPECT_TRUE(res.closes_connection);
}

TEST_F(ServiceErrorRenderingTest, MalformedHeadIsAnsweredAsInvalidRequest) {
  ::moss::http::RejectedHead rejected;
  rejected.reason = ::moss::http::RejectedHead::Reason::kMalformed;
  rejected.detail = "bad method";
  auto res = as_response(service().reject(rejected));
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(res.error_code(), "InvalidRequest");
  EXPECT_NE(res.xml("/Error/Message").find("bad method"), std::string::npos);
}

TEST_F(ServiceErrorRenderingTest, OversizedHeadIsRequestHeaderSectionTooLargeWithTheLimit) {
  ::moss::http::RejectedHead rejected;
  rejected.reason = ::moss::http::RejectedHead::Reason::kHeaderTooLarge;
  rejected.max_header_bytes = 8192;
  auto res = as_response(service().reject(rejected));
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(res.error_code(), "RequestHeaderSectionTooLarge");
  EXPECT_EQ(res.xml("/Error/MaxSizeAllowed"), "8192");
}

}  // namespace
}  // namespace moss::s3
