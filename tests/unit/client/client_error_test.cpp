#include "moss/client/client_error.h"

#include <gtest/gtest.h>

namespace moss::client {
namespace {

TEST(ErrorFromResponse, ReadsTheS3XmlError) {
  auto e = error_from_response(
      403,
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SignatureDoesNotMatch</Code>"
      "<Message>The request signature we calculated does not match</Message>"
      "<RequestId>r1</RequestId></Error>",
      "");
  EXPECT_EQ(e.kind, ClientError::Kind::kHttp);
  EXPECT_EQ(e.status, 403);
  EXPECT_EQ(e.code, "SignatureDoesNotMatch");
  EXPECT_EQ(e.request_id, "r1");
  EXPECT_EQ(e.describe(),
            "403 SignatureDoesNotMatch: The request signature we calculated does not match");
}

TEST(ErrorFromResponse, ReadsTheRegistryJsonError) {
  auto e = error_from_response(
      404, R"({"error": {"code": "NoSuchTag", "message": "no tag", "request_id": "r2"}})", "h");
  EXPECT_EQ(e.code, "NoSuchTag");
  EXPECT_EQ(e.message, "no tag");
  EXPECT_EQ(e.request_id, "h");  // the header wins
}

TEST(ErrorFromResponse, BodylessAnswerGivesTheStatus) {
  auto e = error_from_response(404, "", "");
  EXPECT_EQ(e.code, "");
  EXPECT_EQ(e.describe(), "404: Not Found");
}

TEST(ErrorFromResponse, GarbageBodyIsNotAnError) {
  auto e = error_from_response(502, "<html>bad gateway", "");
  EXPECT_EQ(e.status, 502);
  EXPECT_EQ(e.describe(), "502");
}

TEST(ClientErrorDescribe, NonHttpErrorsAreTheirMessage) {
  EXPECT_EQ(ClientError::transport("cannot connect").describe(), "cannot connect");
}

}  // namespace
}  // namespace moss::client
