// Bucket operations through S3Service::handle on an in-memory exchange:
// CreateBucket, HeadBucket, DeleteBucket, ListBuckets and GetBucketLocation,
// and their errors (BucketAlreadyOwnedByYou, NoSuchBucket, BucketNotEmpty,
// InvalidBucketName, a foreign LocationConstraint).
#include <gtest/gtest.h>

#include "unit/support/service_fixture.h"

namespace moss::testing {
namespace {

using BucketHandlersTest = ServiceFixture;

TEST_F(BucketHandlersTest, CreatedBucketAnswersHeadBucketWithItsRegion) {
  auto created = request(bhttp::verb::put, "/weights");
  EXPECT_EQ(created.status, 200);
  EXPECT_EQ(created.header("Location"), "/weights");
  auto head = request(bhttp::verb::head, "/weights");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("x-amz-bucket-region"), "us-east-1");
}

TEST_F(BucketHandlersTest, CreatingYourBucketAgainIsBucketAlreadyOwnedByYou) {
  create_bucket("weights");
  auto again = request(bhttp::verb::put, "/weights");
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.error_code(), "BucketAlreadyOwnedByYou");
}

TEST_F(BucketHandlersTest, InvalidBucketNameIsRefused) {
  auto res = request(bhttp::verb::put, "/Not_A_Valid_Name");
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(res.error_code(), "InvalidBucketName");
}

TEST_F(BucketHandlersTest, LocationConstraintOfAnotherRegionIsInvalidArgument) {
  const std::string config =
      "<CreateBucketConfiguration><LocationConstraint>eu-west-1</LocationConstraint>"
      "</CreateBucketConfiguration>";
  auto res = request(bhttp::verb::put, "/weights", {}, config);
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(res.error_code(), "InvalidArgument");
  EXPECT_EQ(request(bhttp::verb::head, "/weights").status, 404);
}

TEST_F(BucketHandlersTest, HeadOfMissingBucketIsNotFound) {
  EXPECT_EQ(request(bhttp::verb::head, "/nobody").status, 404);
}

TEST_F(BucketHandlersTest, DeletedEmptyBucketIsGone) {
  create_bucket("weights");
  EXPECT_EQ(request(bhttp::verb::delete_, "/weights").status, 204);
  EXPECT_EQ(request(bhttp::verb::head, "/weights").status, 404);
}

TEST_F(BucketHandlersTest, DeletingMissingBucketIsNoSuchBucket) {
  auto res = request(bhttp::verb::delete_, "/nobody");
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(res.error_code(), "NoSuchBucket");
}

TEST_F(BucketHandlersTest, DeletingBucketWithAnObjectIsBucketNotEmpty) {
  create_bucket("weights");
  ASSERT_EQ(put_object("weights", "a.bin", "x").status, 200);
  auto res = request(bhttp::verb::delete_, "/weights");
  EXPECT_EQ(res.status, 409);
  EXPECT_EQ(res.error_code(), "BucketNotEmpty");
  EXPECT_EQ(request(bhttp::verb::head, "/weights").status, 200);
}

TEST_F(BucketHandlersTest, ListBucketsNamesEveryBucketInOrderWithItsOwner) {
  create_bucket("zeta");
  create_bucket("alpha");
  auto res = request(bhttp::verb::get, "/");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.xml_all("//Buckets/Bucket/Name"), (std::vector<std::string>{"alpha", "zeta"}));
  EXPECT_EQ(res.xml("//Owner/DisplayName"), "tester");
  EXPECT_FALSE(res.xml("//Buckets/Bucket/CreationDate").empty());
}

TEST_F(BucketHandlersTest, LocationOfBucketInUsEast1IsEmpty) {
  create_bucket("weights");
  auto res = request(bhttp::verb::get, "/weights?location");
  EXPECT_EQ(res.status, 200);
  EXPECT_NE(res.body.find("LocationConstraint"), std::string::npos);
  EXPECT_EQ(res.xml("/LocationConstraint"), "");
}

TEST_F(BucketHandlersTest, LocationOfMissingBucketIsNoSuchBucket) {
  EXPECT_EQ(request(bhttp::verb::get, "/nobody?location").error_code(), "NoSuchBucket");
}

}  // namespace
}  // namespace moss::testing
