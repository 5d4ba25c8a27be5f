#include "s3/errors.h"

#include <gtest/gtest.h>

#include <string>

namespace moss::s3 {
namespace {

TEST(S3ErrorTable, KnownCodesHaveTheirStatusAndName) {
  struct Expected {
    S3ErrorCode code;
    std::string_view name;
    int status;
  };
  for (const Expected& e : {
           Expected{S3ErrorCode::kAccessDenied, "AccessDenied", 403},
           Expected{S3ErrorCode::kBucketNotEmpty, "BucketNotEmpty", 409},
           Expected{S3ErrorCode::kInternalError, "InternalError", 500},
           Expected{S3ErrorCode::kInsufficientStorage, "InsufficientStorage", 507},
           Expected{S3ErrorCode::kInvalidRange, "InvalidRange", 416},
           Expected{S3ErrorCode::kMethodNotAllowed, "MethodNotAllowed", 405},
           Expected{S3ErrorCode::kMissingContentLength, "MissingContentLength", 411},
           Expected{S3ErrorCode::kNoSuchKey, "NoSuchKey", 404},
           Expected{S3ErrorCode::kNotImplemented, "NotImplemented", 501},
           Expected{S3ErrorCode::kNotModified, "NotModified", 304},
           Expected{S3ErrorCode::kPreconditionFailed, "PreconditionFailed", 412},
           Expected{S3ErrorCode::kSignatureDoesNotMatch, "SignatureDoesNotMatch", 403},
           Expected{S3ErrorCode::kSlowDown, "SlowDown", 503},
           Expected{S3ErrorCode::kXAmzContentSHA256Mismatch, "XAmzContentSHA256Mismatch", 400},
           Expected{S3ErrorCode::kInvalidTagTarget, "InvalidTagTarget", 400},
           Expected{S3ErrorCode::kNoSuchTag, "NoSuchTag", 404},
       }) {
    const S3ErrorInfo& info = error_info(e.code);
    EXPECT_EQ(info.code, e.name);
    EXPECT_EQ(info.http_status, e.status) << e.name;
  }
}

TEST(S3ErrorTable, EveryCodeHasItsOwnRowWithANameAndMessage) {
  for (size_t i = 0; i < kS3ErrorCodeCount; ++i) {
    const auto code = static_cast<S3ErrorCode>(i);
    const S3ErrorInfo& info = error_info(code);
    EXPECT_EQ(info.id, code) << i;
    EXPECT_FALSE(info.code.empty()) << i;
    EXPECT_FALSE(info.message.empty()) << info.code;
    EXPECT_GE(info.http_status, 300) << info.code;
    EXPECT_LT(info.http_status, 600) << info.code;
  }
}

TEST(S3Error, SpecificMessageReplacesTheTableDefault) {
  EXPECT_EQ(S3Error(S3ErrorCode::kNoSuchKey).message(), "The specified key does not exist.");
  EXPECT_EQ(S3Error(S3ErrorCode::kInvalidArgument, "bad part").message(), "bad part");
  EXPECT_STREQ(S3Error(S3ErrorCode::kNoSuchKey).what(), "NoSuchKey");
}

TEST(S3Error, InternalErrorKeepsTheDetailOutOfTheAnswer) {
  const S3Error error = internal_error("storage", "disk on fire");
  EXPECT_EQ(error.code(), S3ErrorCode::kInternalError);
  EXPECT_EQ(error.message(), "We encountered an internal error. Please try again.");
  EXPECT_TRUE(error.details().empty());
}

TEST(S3Error, AFullDiskIs507WithTheDetailOnlyInTheLog) {
  const S3Error error = no_space_error("write tmp/x: No space left on device");
  EXPECT_EQ(error.code(), S3ErrorCode::kInsufficientStorage);
  EXPECT_EQ(error_info(error.code()).http_status, 507);
  EXPECT_TRUE(error.details().empty());
}

}  // namespace
}  // namespace moss::s3
