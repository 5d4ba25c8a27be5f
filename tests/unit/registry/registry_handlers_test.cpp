// The registry API (/_moss/v1/...) through S3Service::handle: the JSON shapes
// of models, one model, a tag, a tag's history and a rollback; setting and
// deleting tags; and its errors, always JSON (a missing model or tag, a
// missing parameter, an unknown path, a wrong method, an unsigned request).
#include <gtest/gtest.h>

#include "unit/support/service_fixture.h"

namespace moss::testing {
namespace {

class RegistryHandlersTest : public ServiceFixture {
 protected:
  RegistryHandlersTest() {
    create_bucket("models");
    put_object("models", "llama/2024-01-15/w.gguf", "one");
    put_object("models", "llama/2024-03-20/w.gguf", "two");
  }
  Response set_tag(const std::string& tag, const std::string& target) {
    return request(bhttp::verb::put, "/_moss/v1/tag?model=llama&tag=" + tag, {},
                   nlohmann::json{{"target", target}}.dump());
  }
};

TEST_F(RegistryHandlersTest, ListModelsNamesEachModelWithItsTagsAndFiles) {
  ASSERT_EQ(set_tag("v1", "2024-01-15/w.gguf").status, 200);
  auto res = request(bhttp::verb::get, "/_moss/v1/models");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.header("Content-Type"), "application/json");
  auto doc = res.json();
  EXPECT_EQ(doc["bucket"], "models");
  ASSERT_EQ(doc["models"].size(), 1u);
  EXPECT_EQ(doc["models"][0]["name"], "llama");
  EXPECT_EQ(doc["models"][0]["tags"].size(), 1u);
  EXPECT_EQ(doc["models"][0]["files"].size(), 2u);
}

TEST_F(RegistryHandlersTest, GetModelListsItsFilesWithSizeAndSha256) {
  auto res = request(bhttp::verb::get, "/_moss/v1/model?name=llama");
  EXPECT_EQ(res.status, 200);
  auto doc = res.json();
  EXPECT_EQ(doc["name"], "llama");
  ASSERT_EQ(doc["files"].size(), 2u);
  EXPECT_EQ(doc["files"][0]["key"], "llama/2024-01-15/w.gguf");
  EXPECT_EQ(doc["files"][0]["size"], 3);
  EXPECT_EQ(doc["files"][0]["sha256"], sha256_hex("one"));
}

TEST_F(RegistryHandlersTest, SetTagAnswersTheTagDocumentWithItsETag) {
  auto res = set_tag("v2", "2024-03-20/w.gguf");
  EXPECT_EQ(res.status, 200);
  auto doc = res.json();
  EXPECT_EQ(doc["tag"], "v2");
  EXPECT_EQ(doc["resolved"]["key"], "llama/2024-03-20/w.gguf");
  EXPECT_EQ(doc["resolved"]["chain"], nlohmann::json::array({"v2", "2024-03-20/w.gguf"}));
  EXPECT_EQ(doc["etag"], res.header("ETag"));
  EXPECT_EQ(doc["updated_by"], kTestKey.access_key_id);
}

TEST_F(RegistryHandlersTest, GetTagReturnsTheSameDocument) {
  ASSERT_EQ(set_tag("v2", "2024-03-20/w.gguf").status, 200);
  auto res = request(bhttp::verb::get, "/_moss/v1/tag?model=llama&tag=v2");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.json()["targets"][0]["target"], "2024-03-20/w.gguf");
  EXPECT_EQ(res.json()["targets"][0]["kind"], "file");
}

TEST_F(RegistryHandlersTest, HistoryListsChangesNewestFirstAndRollbackMovesTheTagBack) {
  ASSERT_EQ(set_tag("prod", "2024-01-15/w.gguf").status, 200);
  ASSERT_EQ(set_tag("prod", "2024-03-20/w.gguf").status, 200);
  auto history = request(bhttp::verb::get, "/_moss/v1/tag/history?model=llama&tag=prod").json();
  ASSERT_EQ(history["history"].size(), 2u);
  EXPECT_EQ(history["history"][0]["seq"], 2);
  EXPECT_EQ(history["history"][0]["new_targets"][0]["target"], "2024-03-20/w.gguf");
  EXPECT_TRUE(history["history"][1]["old_targets"].is_null());

  auto rolled = request(bhttp::verb::post, "/_moss/v1/tag/rollback?model=llama&tag=prod");
  EXPECT_EQ(rolled.status, 200);
  EXPECT_EQ(rolled.json()["resolved"]["key"], "llama/2024-01-15/w.gguf");
  EXPECT_EQ(get_object("models", "llama/tags/prod").body, "one");
}

TEST_F(RegistryHandlersTest, DeletedTagIsNoSuchTagInJson) {
  ASSERT_EQ(set_tag("v2", "2024-03-20/w.gguf").status, 200);
  EXPECT_EQ(request(bhttp::verb::delete_, "/_moss/v1/tag?model=llama&tag=v2").status, 204);
  auto res = request(bhttp::verb::get, "/_moss/v1/tag?model=llama&tag=v2");
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(res.header("Content-Type"), "application/json");
  EXPECT_EQ(res.json()["error"]["code"], "NoSuchTag");
}

TEST_F(RegistryHandlersTest, MissingRequiredParameterIsInvalidArgumentInJson) {
  auto res = request(bhttp::verb::get, "/_moss/v1/tag?model=llama");
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(res.json()["error"]["code"], "InvalidArgument");
}

TEST_F(RegistryHandlersTest, TagOnAMissingFileIsInvalidTagTargetInJson) {
  auto res = set_tag("v9", "2099/none.gguf");
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(res.json()["error"]["code"], "InvalidTagTarget");
}

TEST_F(RegistryHandlersTest, UnknownPathIsAJson404) {
  auto res = request(bhttp::verb::get, "/_moss/v1/everything");
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(res.json()["error"]["code"], "NoSuchKey");
}

TEST_F(RegistryHandlersTest, WrongMethodOnAKnownPathIsMethodNotAllowedInJson) {
  auto res = request(bhttp::verb::post, "/_moss/v1/models");
  EXPECT_EQ(res.status, 405);
  EXPECT_EQ(res.json()["error"]["code"], "MethodNotAllowed");
}

TEST_F(RegistryHandlersTest, UnsignedRegistryRequestIsAccessDeniedInJson) {
  auto res = unsigned_request(bhttp::verb::get, "/_moss/v1/models");
  EXPECT_EQ(res.status, 403);
  EXPECT_EQ(res.json()["error"]["code"], "AccessDenied");
}

TEST_F(RegistryHandlersTest, ModelsOfMissingBucketIsNoSuchBucketInJson) {
  auto res = request(bhttp::verb::get, "/_moss/v1/models?bucket=nobody");
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(res.json()["error"]["code"], "NoSuchBucket");
}

}  // namespace
}  // namespace moss::testing
