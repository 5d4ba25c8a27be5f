// Model tags addressed as objects, through S3Service::handle: PUT of a tag
// key `<model>/tags/<tag>` pointing at a file (body or x-moss-tag-target),
// GET/HEAD/Range through the tag (the resolved file and the x-moss-* headers),
// tags of tags, pinning across an overwrite, ?moss-tag documents, DELETE, and
// the errors (a missing target, a missing tag, a cycle, writes a tag key
// cannot take).
#include <gtest/gtest.h>

#include "unit/support/service_fixture.h"

namespace moss::testing {
namespace {

class TagHandlersTest : public ServiceFixture {
 protected:
  TagHandlersTest() {
    create_bucket("models");
    put_object("models", "llama/2024-03-20/w.gguf", "version two bytes");
    put_object("models", "llama/2024-01-15/w.gguf", "version one bytes");
  }
  Response put_tag(const std::string& tag, const std::string& target) {
    return request(bhttp::verb::put, "/models/llama/tags/" + tag, {}, target);
  }
};

TEST_F(TagHandlersTest, GetThroughATagServesTheFileItNames) {
  auto set = put_tag("v2", "2024-03-20/w.gguf");
  EXPECT_EQ(set.status, 200);
  EXPECT_FALSE(set.header("ETag").empty());
  auto res = get_object("models", "llama/tags/v2");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, "version two bytes");
  EXPECT_EQ(res.header("x-moss-resolved-key"), "llama/2024-03-20/w.gguf");
  EXPECT_EQ(res.header("x-moss-tag-chain"), "v2>2024-03-20/w.gguf");
  EXPECT_EQ(res.header("x-moss-content-sha256"), sha256_hex("version two bytes"));
  EXPECT_EQ(res.header("x-moss-tag-etag"), set.header("ETag"));
}

TEST_F(TagHandlersTest, TargetInTheHeaderWinsOverTheBody) {
  auto set = request(bhttp::verb::put, "/models/llama/tags/v1",
                     {{"x-moss-tag-target", "2024-01-15/w.gguf"}}, "2024-03-20/w.gguf");
  ASSERT_EQ(set.status, 200);
  EXPECT_EQ(get_object("models", "llama/tags/v1").body, "version one bytes");
}

TEST_F(TagHandlersTest, TagOfATagFollowsTheChain) {
  ASSERT_EQ(put_tag("v2", "2024-03-20/w.gguf").status, 200);
  ASSERT_EQ(put_tag("latest", "v2").status, 200);
  auto res = get_object("models", "llama/tags/latest");
  EXPECT_EQ(res.body, "version two bytes");
  EXPECT_EQ(res.header("x-moss-tag-chain"), "latest>v2>2024-03-20/w.gguf");
}

TEST_F(TagHandlersTest, TagKeepsServingThePinnedBytesAfterTheFileIsOverwritten) {
  ASSERT_EQ(put_tag("v2", "2024-03-20/w.gguf").status, 200);
  put_object("models", "llama/2024-03-20/w.gguf", "overwritten");
  EXPECT_EQ(get_object("models", "llama/tags/v2").body, "version two bytes");
  EXPECT_EQ(get_object("models", "llama/2024-03-20/w.gguf").body, "overwritten");
}

TEST_F(TagHandlersTest, RangeThroughATagAppliesToTheResolvedFile) {
  ASSERT_EQ(put_tag("v2", "2024-03-20/w.gguf").status, 200);
  auto res = get_object("models", "llama/tags/v2", {{"Range", "bytes=0-6"}});
  EXPECT_EQ(res.status, 206);
  EXPECT_EQ(res.body, "version");
}

TEST_F(TagHandlersTest, HeadThroughATagHasTheFilesLength) {
  ASSERT_EQ(put_tag("v2", "2024-03-20/w.gguf").status, 200);
  auto res = request(bhttp::verb::head, "/models/llama/tags/v2");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.header("Content-Length"), "17");
  EXPECT_EQ(res.header("x-moss-resolved-key"), "llama/2024-03-20/w.gguf");
}

TEST_F(TagHandlersTest, TagDocumentDescribesTheTarget) {
  ASSERT_EQ(put_tag("v2", "2024-03-20/w.gguf").status, 200);
  auto res = request(bhttp::verb::get, "/models/llama/tags/v2?moss-tag");
  EXPECT_EQ(res.status, 200);
  auto doc = res.json();
  EXPECT_EQ(doc["model"], "llama");
  EXPECT_EQ(doc["tag"], "v2");
  EXPECT_EQ(doc["targets"][0]["target"], "2024-03-20/w.gguf");
  EXPECT_EQ(doc["resolved"]["key"], "llama/2024-03-20/w.gguf");
  EXPECT_EQ(doc["resolved"]["sha256"], sha256_hex("version two bytes"));
}

TEST_F(TagHandlersTest, TagPointingAtAMissingFileIsInvalidTagTarget) {
  auto res = put_tag("v3", "2099-01-01/missing.gguf");
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(res.error_code(), "InvalidTagTarget");
  EXPECT_EQ(get_object("models", "llama/tags/v3").status, 404);
}

TEST_F(TagHandlersTest, TagThatWouldMakeACycleIsInvalidTagTarget) {
  ASSERT_EQ(put_tag("a", "2024-03-20/w.gguf").status, 200);
  ASSERT_EQ(put_tag("b", "a").status, 200);
  EXPECT_EQ(put_tag("a", "b").error_code(), "InvalidTagTarget");
  EXPECT_EQ(get_object("models", "llama/tags/a").body, "version two bytes");
}

TEST_F(TagHandlersTest, GetOfAMissingTagIsNoSuchKey) {
  auto res = get_object("models", "llama/tags/nope");
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(res.error_code(), "NoSuchKey");
}

TEST_F(TagHandlersTest, DeletedTagNoLongerResolvesButTheFileStays) {
  ASSERT_EQ(put_tag("v2", "2024-03-20/w.gguf").status, 200);
  EXPECT_EQ(request(bhttp::verb::delete_, "/models/llama/tags/v2").status, 204);
  EXPECT_EQ(get_object("models", "llama/tags/v2").status, 404);
  EXPECT_EQ(get_object("models", "llama/2024-03-20/w.gguf").status, 200);
}

TEST_F(TagHandlersTest, MultipartUploadOntoATagKeyIsMethodNotAllowed) {
  auto res = request(bhttp::verb::post, "/models/llama/tags/v2?uploads");
  EXPECT_EQ(res.status, 405);
  EXPECT_EQ(res.error_code(), "MethodNotAllowed");
}

TEST_F(TagHandlersTest, ListingShowsATagWithTheSizeOfItsFile) {
  ASSERT_EQ(put_tag("v2", "2024-03-20/w.gguf").status, 200);
  auto res = request(bhttp::verb::get, "/models?list-type=2&prefix=llama%2Ftags%2F");
  EXPECT_EQ(res.xml("//Contents/Key"), "llama/tags/v2");
  EXPECT_EQ(res.xml("//Contents/Size"), "17");
}

}  // namespace
}  // namespace moss::testing
