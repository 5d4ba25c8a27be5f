#include "s3/model_routes.h"

#include <gtest/gtest.h>

namespace moss::s3 {
namespace {

TEST(RouteTagKey, ObjectOperationsOnTagKeysBecomeTagOperations) {
  const QueryParams none;
  const QueryParams doc = {{"moss-tag", ""}};
  const std::string key = "meta-llama/llama-3-8b/tags/latest";
  EXPECT_EQ(route_tag_key(Operation::kPutObject, key, none), Operation::kPutTag);
  EXPECT_EQ(route_tag_key(Operation::kGetObject, key, none), Operation::kGetTag);
  EXPECT_EQ(route_tag_key(Operation::kGetObject, key, doc), Operation::kGetTagDocument);
  EXPECT_EQ(route_tag_key(Operation::kHeadObject, key, none), Operation::kHeadTag);
  EXPECT_EQ(route_tag_key(Operation::kDeleteObject, key, none), Operation::kDeleteTag);
  EXPECT_EQ(route_tag_key(Operation::kCopyObject, key, none), Operation::kMethodNotAllowed);
  EXPECT_EQ(route_tag_key(Operation::kCreateMultipartUpload, key, none),
            Operation::kMethodNotAllowed);
  EXPECT_EQ(route_tag_key(Operation::kListParts, key, none), Operation::kListParts);
}

TEST(RouteTagKey, OtherKeysAreLeftAlone) {
  const QueryParams none;
  for (const char* key : {"llama/2024-03-20/x.gguf", "tags/latest", "llama/tags/", "llama/tags/a/b",
                          "llama/tagsx/latest"}) {
    EXPECT_EQ(route_tag_key(Operation::kGetObject, key, none), Operation::kGetObject) << key;
  }
}

TEST(RouteRegistry, EachPathTakesItsMethods) {
  using V = http::verb;
  EXPECT_EQ(route_registry(V::get, "v1/models"), Operation::kRegistryListModels);
  EXPECT_EQ(route_registry(V::get, "v1/model"), Operation::kRegistryGetModel);
  EXPECT_EQ(route_registry(V::get, "v1/tag"), Operation::kRegistryGetTag);
  EXPECT_EQ(route_registry(V::put, "v1/tag"), Operation::kRegistryPutTag);
  EXPECT_EQ(route_registry(V::delete_, "v1/tag/"), Operation::kRegistryDeleteTag);
  EXPECT_EQ(route_registry(V::get, "v1/tag/history"), Operation::kRegistryTagHistory);
  EXPECT_EQ(route_registry(V::post, "v1/tag/rollback"), Operation::kRegistryTagRollback);
  EXPECT_EQ(route_registry(V::post, "v1/tag"), Operation::kRegistryUnknown);
  EXPECT_TRUE(is_registry_path("v1/tag"));
  EXPECT_EQ(route_registry(V::get, "v2/models"), Operation::kRegistryUnknown);
  EXPECT_FALSE(is_registry_path("v2/models"));
  EXPECT_TRUE(is_registry_operation(Operation::kRegistryUnknown));
  EXPECT_FALSE(is_registry_operation(Operation::kGetTag));
}

}  // namespace
}  // namespace moss::s3
