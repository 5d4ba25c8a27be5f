#include "s3/store_errors.h"

#include <gtest/gtest.h>

namespace moss::s3 {
namespace {

using store::StoreErrc;
using store::StoreError;

TEST(StoreErrors, AFullDiskOrDatabaseIsInsufficientStorageNotAnInternalError) {
  const S3Error error = to_s3_error(StoreError{StoreErrc::kNoSpace, "write: No space left"});
  EXPECT_EQ(error.code(), S3ErrorCode::kInsufficientStorage);
  EXPECT_EQ(error_info(error.code()).http_status, 507);
  EXPECT_TRUE(error.details().empty());  // which file and errno stay in the log
}

TEST(StoreErrors, OtherIoFailuresStayInternalErrorsAndAnUnreachableDatabaseIs503) {
  EXPECT_EQ(to_s3_error(StoreError{StoreErrc::kIo, "read: EIO"}).code(),
            S3ErrorCode::kInternalError);
  EXPECT_EQ(to_s3_error(StoreError{StoreErrc::kUnavailable, "down"}).code(),
            S3ErrorCode::kServiceUnavailable);
}

}  // namespace
}  // namespace moss::s3
