#include "s3/model_errors.h"

#include <gtest/gtest.h>

#include "moss/models/model_error.h"
#include "moss/store/store_error.h"

namespace moss::s3 {
namespace {

TEST(ModelErrors, AFullStoreUnderATagChangeIsInsufficientStorageToo) {
  const models::ModelError model_error =
      models::from_store_error(store::StoreError{store::StoreErrc::kNoSpace, "SQLITE_FULL"});
  EXPECT_EQ(model_error.code, models::ModelErrc::kNoSpace);
  EXPECT_EQ(to_s3_error(model_error, false).code(), S3ErrorCode::kInsufficientStorage);
}

}  // namespace
}  // namespace moss::s3
