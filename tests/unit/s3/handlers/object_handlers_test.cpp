// Object operations through S3Service::handle on an in-memory exchange:
// PutObject (ETag, metadata, checksums, a body arriving in small reads, a
// payload hash that does not match), GetObject and HeadObject (bytes served
// from the blob file, ranges, conditional requests), DeleteObject and
// CopyObject, with their errors (NoSuchKey, PreconditionFailed, InvalidRange).
#include <gtest/gtest.h>

#include "moss/util/hex.h"
#include "unit/support/service_fixture.h"

namespace moss::testing {
namespace {

class ObjectHandlersTest : public ServiceFixture {
 protected:
  ObjectHandlersTest() { create_bucket("models"); }
};

std::string md5_hex(std::string_view body) { return to_hex(digest(DigestAlgorithm::kMd5, body)); }

TEST_F(ObjectHandlersTest, PutObjectAnswersTheMd5OfTheBodyAsETag) {
  auto res = put_object("models", "llama/weights.bin", "0123456789");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.header("ETag"), "\"" + md5_hex("0123456789") + "\"");
}

TEST_F(ObjectHandlersTest, GetObjectServesTheStoredBytesAndHeaders) {
  put_object("models", "llama/weights.bin", "0123456789",
             {{"Content-Type", "application/octet-stream"}, {"x-amz-meta-origin", "unit-test"}});
  auto res = get_object("models", "llama/weights.bin");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, "0123456789");
  EXPECT_EQ(res.header("Content-Length"), "10");
  EXPECT_EQ(res.header("Content-Type"), "application/octet-stream");
  EXPECT_EQ(res.header("x-amz-meta-origin"), "unit-test");
  EXPECT_EQ(res.header("ETag"), "\"" + md5_hex("0123456789") + "\"");
  EXPECT_FALSE(res.header("Last-Modified").empty());
}

TEST_F(ObjectHandlersTest, BodyArrivingInSmallReadsIsStoredWhole) {
  const std::string body(10000, 'q');
  auto head = make_head(bhttp::verb::put, "/models/slow.bin", {}, body.size());
  sign_request(head, kTestKey, now_unix_seconds(), sha256_hex(body));
  ASSERT_EQ(send(std::move(head), body, 7).status, 200);
  EXPECT_EQ(get_object("models", "slow.bin").body, body);
}

TEST_F(ObjectHandlersTest, BodyNotMatchingItsSignedHashIsRefusedAndNotStored) {
  auto res = request(bhttp::verb::put, "/models/a.bin", {}, "what was sent",
                     sha256_hex("what was signed"));
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(res.error_code(), "XAmzContentSHA256Mismatch");
  EXPECT_EQ(get_object("models", "a.bin").status, 404);
}

TEST_F(ObjectHandlersTest, ContentMd5NotMatchingTheBodyIsBadDigest) {
  auto res = put_object("models", "a.bin", "hello", {{"Content-MD5", content_md5("goodbye")}});
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(res.error_code(), "BadDigest");
  EXPECT_EQ(get_object("models", "a.bin").status, 404);
}

TEST_F(ObjectHandlersTest, ChecksumHeaderIsVerifiedStoredAndReturnedOnRequest) {
  // CRC32("hello") = 0x3610a686.
  auto put = put_object("models", "a.bin", "hello", {{"x-amz-checksum-crc32", "NhCmhg=="}});
  ASSERT_EQ(put.status, 200);
  EXPECT_EQ(put.header("x-amz-checksum-crc32"), "NhCmhg==");
  auto get = get_object("models", "a.bin", {{"x-amz-checksum-mode", "ENABLED"}});
  EXPECT_EQ(get.header("x-amz-checksum-crc32"), "NhCmhg==");
}

TEST_F(ObjectHandlersTest, PutIntoMissingBucketIsNoSuchBucket) {
  auto res = put_object("nobody", "a.bin", "x");
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(res.error_code(), "NoSuchBucket");
}

TEST_F(ObjectHandlersTest, GetOfMissingKeyIsNoSuchKeyNamingTheKey) {
  auto res = get_object("models", "nothing/here");
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(res.error_code(), "NoSuchKey");
  EXPECT_EQ(res.xml("/Error/Key"), "nothing/here");
}

TEST_F(ObjectHandlersTest, HeadObjectHasTheLengthButNoBody) {
  put_object("models", "a.bin", "0123456789");
  auto res = request(bhttp::verb::head, "/models/a.bin");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.header("Content-Length"), "10");
  EXPECT_TRUE(res.body.empty());
}

TEST_F(ObjectHandlersTest, RangeIsServedAsPartialContent) {
  put_object("models", "a.bin", "0123456789");
  auto res = get_object("models", "a.bin", {{"Range", "bytes=2-5"}});
  EXPECT_EQ(res.status, 206);
  EXPECT_EQ(res.body, "2345");
  EXPECT_EQ(res.header("Content-Range"), "bytes 2-5/10");
}

TEST_F(ObjectHandlersTest, SuffixRangeServesTheLastBytes) {
  put_object("models", "a.bin", "0123456789");
  auto res = get_object("models", "a.bin", {{"Range", "bytes=-3"}});
  EXPECT_EQ(res.status, 206);
  EXPECT_EQ(res.body, "789");
}

TEST_F(ObjectHandlersTest, RangePastTheEndIsInvalidRange) {
  put_object("models", "a.bin", "0123456789");
  auto res = get_object("models", "a.bin", {{"Range", "bytes=10-20"}});
  EXPECT_EQ(res.status, 416);
  EXPECT_EQ(res.error_code(), "InvalidRange");
  EXPECT_EQ(res.header("Content-Range"), "bytes */10");
}

TEST_F(ObjectHandlersTest, IfMatchWithAnotherETagIsPreconditionFailed) {
  put_object("models", "a.bin", "0123456789");
  auto res = get_object("models", "a.bin", {{"If-Match", "\"0000\""}});
  EXPECT_EQ(res.status, 412);
  EXPECT_EQ(res.error_code(), "PreconditionFailed");
}

TEST_F(ObjectHandlersTest, IfNoneMatchWithTheCurrentETagIsNotModifiedWithoutBody) {
  auto put = put_object("models", "a.bin", "0123456789");
  auto res = get_object("models", "a.bin", {{"If-None-Match", put.header("ETag")}});
  EXPECT_EQ(res.status, 304);
  EXPECT_TRUE(res.body.empty());
  EXPECT_EQ(res.header("ETag"), put.header("ETag"));
}

TEST_F(ObjectHandlersTest, PutWithIfNoneMatchStarOnAnExistingKeyIsPreconditionFailed) {
  put_object("models", "a.bin", "first");
  auto res = put_object("models", "a.bin", "second", {{"If-None-Match", "*"}});
  EXPECT_EQ(res.status, 412);
  EXPECT_EQ(get_object("models", "a.bin").body, "first");
}

TEST_F(ObjectHandlersTest, OverwriteServesTheNewBytes) {
  put_object("models", "a.bin", "first version");
  put_object("models", "a.bin", "second");
  EXPECT_EQ(get_object("models", "a.bin").body, "second");
}

TEST_F(ObjectHandlersTest, DeletedObjectIsGoneAndDeletingAgainStillSucceeds) {
  put_object("models", "a.bin", "x");
  EXPECT_EQ(request(bhttp::verb::delete_, "/models/a.bin").status, 204);
  EXPECT_EQ(get_object("models", "a.bin").status, 404);
  EXPECT_EQ(request(bhttp::verb::delete_, "/models/a.bin").status, 204);
}

TEST_F(ObjectHandlersTest, CopyObjectCopiesBytesAndMetadata) {
  put_object("models", "src.bin", "copied bytes", {{"x-amz-meta-origin", "source"}});
  auto res =
      request(bhttp::verb::put, "/models/dst.bin", {{"x-amz-copy-source", "/models/src.bin"}});
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.xml("/CopyObjectResult/ETag"), "\"" + md5_hex("copied bytes") + "\"");
  auto copy = get_object("models", "dst.bin");
  EXPECT_EQ(copy.body, "copied bytes");
  EXPECT_EQ(copy.header("x-amz-meta-origin"), "source");
}

TEST_F(ObjectHandlersTest, CopyOfMissingSourceIsNoSuchKey) {
  auto res =
      request(bhttp::verb::put, "/models/dst.bin", {{"x-amz-copy-source", "/models/missing.bin"}});
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(res.error_code(), "NoSuchKey");
}

TEST_F(ObjectHandlersTest, CopyWithFailingSourceConditionIsPreconditionFailed) {
  put_object("models", "src.bin", "bytes");
  auto res = request(bhttp::verb::put, "/models/dst.bin",
                     {{"x-amz-copy-source", "/models/src.bin"},
                      {"x-amz-copy-source-if-match", "\"not-the-etag\""}});
  EXPECT_EQ(res.status, 412);
  EXPECT_EQ(get_object("models", "dst.bin").status, 404);
}

TEST_F(ObjectHandlersTest, PresignedGetServesTheObject) {
  put_object("models", "a.bin", "presigned bytes");
  auto res = unsigned_request(bhttp::verb::get, presign(bhttp::verb::get, "/models/a.bin"));
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, "presigned bytes");
}

TEST_F(ObjectHandlersTest, KeyLongerThan1024BytesIsKeyTooLongError) {
  auto res = put_object("models", std::string(1025, 'k'), "x");
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(res.error_code(), "KeyTooLongError");
}

}  // namespace
}  // namespace moss::testing
