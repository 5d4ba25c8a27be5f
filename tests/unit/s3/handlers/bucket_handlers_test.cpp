// Bucket operations through S3Service::handle on an in-memory exchange:
// CreateBucket, HeadBucket, DeleteBucket, ListBuckets and GetBucketLocation,
// and their errors (NoSuchBucket, BucketNotEmpty,
// InvalidBucketName, a foreign LocationConstraint).
#include <gtest/gtest.h>

#include "moss/util/uri.h"
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

TEST_F(BucketHandlersTest, CreatingYourBucketAgainInUsEast1SucceedsAndKeepsItsObjects) {
  // S3's legacy answer in us-east-1 (this fixture's region); other regions
  // answer 409 BucketAlreadyOwnedByYou (tests/integration/test_s3_conformance_buckets.py).
  create_bucket("weights");
  ASSERT_EQ(put_object("weights", "a.bin", "kept").status, 200);
  auto again = request(bhttp::verb::put, "/weights");
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.header("Location"), "/weights");
  EXPECT_EQ(get_object("weights", "a.bin").body, "kept");
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

TEST_F(BucketHandlersTest, DeletingABucketWithOnlyAnUploadInProgressDiscardsTheUpload) {
  create_bucket("weights");
  auto created = request(bhttp::verb::post, "/weights/big.bin?uploads");
  ASSERT_EQ(created.status, 200);
  const std::string upload_id = created.xml("//UploadId");
  ASSERT_EQ(request(bhttp::verb::put, "/weights/big.bin?partNumber=1&uploadId=" + upload_id, {},
                    "part one")
                .status,
            200);
  EXPECT_EQ(request(bhttp::verb::delete_, "/weights").status, 204);
  EXPECT_EQ(request(bhttp::verb::head, "/weights").status, 404);
  create_bucket("weights");
  EXPECT_EQ(request(bhttp::verb::get, "/weights/big.bin?uploadId=" + upload_id).error_code(),
            "NoSuchUpload");
}

TEST_F(BucketHandlersTest, ListBucketsPagesWithMaxBucketsAndContinuationToken) {
  for (const char* name : {"alpha", "beta", "gamma", "delta"}) create_bucket(name);
  auto first = request(bhttp::verb::get, "/?max-buckets=3");
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(first.xml_all("//Buckets/Bucket/Name"),
            (std::vector<std::string>{"alpha", "beta", "delta"}));
  const std::string token = first.xml("/ListAllMyBucketsResult/ContinuationToken");
  ASSERT_FALSE(token.empty());
  auto second = request(bhttp::verb::get,
                        "/?max-buckets=3&continuation-token=" + aws_uri_encode(token, true));
  EXPECT_EQ(second.xml_all("//Buckets/Bucket/Name"), (std::vector<std::string>{"gamma"}));
  EXPECT_EQ(second.xml("/ListAllMyBucketsResult/ContinuationToken"), "");
}

TEST_F(BucketHandlersTest, ListBucketsWithPrefixEchoesIt) {
  for (const char* name : {"llama-a", "llama-b", "mistral"}) create_bucket(name);
  auto res = request(bhttp::verb::get, "/?prefix=llama-");
  EXPECT_EQ(res.xml_all("//Buckets/Bucket/Name"), (std::vector<std::string>{"llama-a", "llama-b"}));
  EXPECT_EQ(res.xml("/ListAllMyBucketsResult/Prefix"), "llama-");
}

TEST_F(BucketHandlersTest, ListBucketsByRegionListsTheServersRegionOnly) {
  create_bucket("weights");
  EXPECT_EQ(request(bhttp::verb::get, "/?bucket-region=us-east-1").xml_all("//Bucket/Name"),
            (std::vector<std::string>{"weights"}));
  EXPECT_TRUE(
      request(bhttp::verb::get, "/?bucket-region=eu-west-1").xml_all("//Bucket/Name").empty());
}

TEST_F(BucketHandlersTest, ListBucketsRefusesMaxBucketsOutOfRangeAndForeignTokens) {
  for (const char* bad : {"0", "10001", "-1", "x"}) {
    EXPECT_EQ(request(bhttp::verb::get, std::string("/?max-buckets=") + bad).error_code(),
              "InvalidArgument")
        << bad;
  }
  EXPECT_EQ(request(bhttp::verb::get, "/?continuation-token=%25%25%25").error_code(),
            "InvalidArgument");
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
