// Multipart uploads through S3Service::handle: create, upload parts, list
// parts and uploads, complete (the multipart ETag, the bytes served across
// part files, partNumber reads) and abort, with their errors (InvalidPart,
// InvalidPartOrder, EntityTooSmall, NoSuchUpload, a bad part number).
#include <gtest/gtest.h>

#include "moss/util/hex.h"
#include "unit/support/service_fixture.h"

namespace moss::testing {
namespace {

using Strings = std::vector<std::string>;

constexpr size_t kMinPartSize = 5 * 1024 * 1024;

class MultipartHandlersTest : public ServiceFixture {
 protected:
  MultipartHandlersTest() { create_bucket("models"); }

  std::string create_upload(const std::string& key) {
    auto res = request(bhttp::verb::post, "/models/" + key + "?uploads");
    EXPECT_EQ(res.status, 200) << res.body;
    EXPECT_EQ(res.xml("/InitiateMultipartUploadResult/Key"), key);
    return res.xml("/InitiateMultipartUploadResult/UploadId");
  }
  Response upload_part(const std::string& key, const std::string& upload_id, int number,
                       std::string body) {
    return request(bhttp::verb::put,
                   "/models/" + key + "?partNumber=" + std::to_string(number) +
                       "&uploadId=" + aws_uri_encode(upload_id, true),
                   {}, std::move(body));
  }
  Response complete(const std::string& key, const std::string& upload_id,
                    const std::vector<std::pair<int, std::string>>& parts) {
    std::string xml = "<CompleteMultipartUpload>";
    for (const auto& [number, etag] : parts) {
      xml += "<Part><PartNumber>" + std::to_string(number) + "</PartNumber><ETag>" + etag +
             "</ETag></Part>";
    }
    xml += "</CompleteMultipartUpload>";
    return request(bhttp::verb::post,
                   "/models/" + key + "?uploadId=" + aws_uri_encode(upload_id, true), {}, xml);
  }
};

std::string md5_raw(std::string_view body) { return digest(DigestAlgorithm::kMd5, body); }

TEST_F(MultipartHandlersTest, CompletedUploadServesThePartsInOrder) {
  const std::string first(kMinPartSize, 'a');
  const std::string second = "the tail";
  auto id = create_upload("big.bin");
  ASSERT_FALSE(id.empty());
  auto p1 = upload_part("big.bin", id, 1, first);
  auto p2 = upload_part("big.bin", id, 2, second);
  ASSERT_EQ(p1.status, 200);
  ASSERT_EQ(p2.status, 200);
  EXPECT_EQ(p1.header("ETag"), "\"" + to_hex(md5_raw(first)) + "\"");

  auto done = complete("big.bin", id, {{1, p1.header("ETag")}, {2, p2.header("ETag")}});
  EXPECT_EQ(done.status, 200) << done.body;
  // The multipart ETag: MD5 of the parts' MD5s, then "-<parts>".
  EXPECT_EQ(done.xml("/CompleteMultipartUploadResult/ETag"),
            "\"" + to_hex(md5_raw(md5_raw(first) + md5_raw(second))) + "-2\"");

  auto tail = get_object("models", "big.bin",
                         {{"Range", "bytes=" + std::to_string(kMinPartSize - 2) + "-"}});
  EXPECT_EQ(tail.status, 206);
  EXPECT_EQ(tail.body, "aathe tail");
}

TEST_F(MultipartHandlersTest, PartNumberReadServesThatPart) {
  const std::string first(kMinPartSize, 'a');
  auto id = create_upload("big.bin");
  auto p1 = upload_part("big.bin", id, 1, first);
  auto p2 = upload_part("big.bin", id, 2, "second part");
  ASSERT_EQ(complete("big.bin", id, {{1, p1.header("ETag")}, {2, p2.header("ETag")}}).status, 200);
  auto res = request(bhttp::verb::get, "/models/big.bin?partNumber=2");
  EXPECT_EQ(res.status, 206);
  EXPECT_EQ(res.body, "second part");
  EXPECT_EQ(res.header("x-amz-mp-parts-count"), "2");
}

TEST_F(MultipartHandlersTest, PartNumberPastThePartsIsInvalidPartNumber) {
  const std::string first(kMinPartSize, 'a');
  auto id = create_upload("big.bin");
  auto p1 = upload_part("big.bin", id, 1, first);
  auto p2 = upload_part("big.bin", id, 2, "second part");
  ASSERT_EQ(complete("big.bin", id, {{1, p1.header("ETag")}, {2, p2.header("ETag")}}).status, 200);
  for (auto method : {bhttp::verb::get, bhttp::verb::head}) {
    auto res = request(method, "/models/big.bin?partNumber=3");
    EXPECT_EQ(res.status, 400);
    if (method == bhttp::verb::get) {
      EXPECT_EQ(res.error_code(), "InvalidPartNumber");
    }
  }
}

TEST_F(MultipartHandlersTest, PartNumberAboveOneOfASinglePartObjectIsInvalidPartNumber) {
  ASSERT_EQ(put_object("models", "small.bin", "hello").status, 200);
  auto whole = request(bhttp::verb::get, "/models/small.bin?partNumber=1");
  EXPECT_EQ(whole.status, 206);
  EXPECT_EQ(whole.body, "hello");
  auto res = request(bhttp::verb::get, "/models/small.bin?partNumber=2");
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(res.error_code(), "InvalidPartNumber");
}

TEST_F(MultipartHandlersTest, ListPartsShowsUploadedParts) {
  auto id = create_upload("a.bin");
  upload_part("a.bin", id, 1, "one");
  upload_part("a.bin", id, 3, "three!");
  auto res = request(bhttp::verb::get, "/models/a.bin?uploadId=" + aws_uri_encode(id, true));
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.xml_all("/ListPartsResult/Part/PartNumber"), (Strings{"1", "3"}));
  EXPECT_EQ(res.xml_all("/ListPartsResult/Part/Size"), (Strings{"3", "6"}));
  EXPECT_EQ(res.xml("/ListPartsResult/UploadId"), id);
}

TEST_F(MultipartHandlersTest, ListMultipartUploadsShowsUploadsInProgress) {
  auto id_a = create_upload("a.bin");
  auto id_b = create_upload("b.bin");
  auto res = request(bhttp::verb::get, "/models?uploads");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.xml_all("/ListMultipartUploadsResult/Upload/Key"), (Strings{"a.bin", "b.bin"}));
  EXPECT_EQ(res.xml("/ListMultipartUploadsResult/Upload[Key='b.bin']/UploadId"), id_b);
}

TEST_F(MultipartHandlersTest, AbortedUploadIsGoneAndItsPartsRefused) {
  auto id = create_upload("a.bin");
  upload_part("a.bin", id, 1, "one");
  auto aborted =
      request(bhttp::verb::delete_, "/models/a.bin?uploadId=" + aws_uri_encode(id, true));
  EXPECT_EQ(aborted.status, 204);
  EXPECT_TRUE(request(bhttp::verb::get, "/models?uploads")
                  .xml_all("/ListMultipartUploadsResult/Upload/Key")
                  .empty());
  auto late = upload_part("a.bin", id, 2, "two");
  EXPECT_EQ(late.status, 404);
  EXPECT_EQ(late.error_code(), "NoSuchUpload");
}

TEST_F(MultipartHandlersTest, PartOfUnknownUploadIsNoSuchUpload) {
  auto res = upload_part("a.bin", "no-such-upload-id", 1, "x");
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(res.error_code(), "NoSuchUpload");
}

TEST_F(MultipartHandlersTest, CompletingUnknownUploadIsNoSuchUpload) {
  EXPECT_EQ(complete("a.bin", "no-such-upload-id", {{1, "\"00\""}}).error_code(), "NoSuchUpload");
}

TEST_F(MultipartHandlersTest, CompletingWithAWrongPartETagIsInvalidPart) {
  auto id = create_upload("a.bin");
  upload_part("a.bin", id, 1, "one");
  auto res = complete("a.bin", id, {{1, "\"" + std::string(32, '0') + "\""}});
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(res.error_code(), "InvalidPart");
  EXPECT_EQ(get_object("models", "a.bin").status, 404);
}

TEST_F(MultipartHandlersTest, CompletingWithAPartNeverUploadedIsInvalidPart) {
  auto id = create_upload("a.bin");
  auto p1 = upload_part("a.bin", id, 1, "one");
  EXPECT_EQ(complete("a.bin", id, {{1, p1.header("ETag")}, {2, p1.header("ETag")}}).error_code(),
            "InvalidPart");
}

TEST_F(MultipartHandlersTest, PartsListedOutOfOrderAreInvalidPartOrder) {
  auto id = create_upload("a.bin");
  auto p1 = upload_part("a.bin", id, 1, std::string(kMinPartSize, 'a'));
  auto p2 = upload_part("a.bin", id, 2, "two");
  EXPECT_EQ(complete("a.bin", id, {{2, p2.header("ETag")}, {1, p1.header("ETag")}}).error_code(),
            "InvalidPartOrder");
}

TEST_F(MultipartHandlersTest, SmallPartBeforeTheLastIsEntityTooSmall) {
  auto id = create_upload("a.bin");
  auto p1 = upload_part("a.bin", id, 1, "tiny");
  auto p2 = upload_part("a.bin", id, 2, "last");
  EXPECT_EQ(complete("a.bin", id, {{1, p1.header("ETag")}, {2, p2.header("ETag")}}).error_code(),
            "EntityTooSmall");
}

TEST_F(MultipartHandlersTest, PartNumberOutOfRangeIsInvalidArgument) {
  auto id = create_upload("a.bin");
  auto res = upload_part("a.bin", id, 10001, "x");
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(res.error_code(), "InvalidArgument");
}

TEST_F(MultipartHandlersTest, CreatingUploadInMissingBucketIsNoSuchBucket) {
  EXPECT_EQ(request(bhttp::verb::post, "/nobody/a.bin?uploads").error_code(), "NoSuchBucket");
}

}  // namespace
}  // namespace moss::testing
