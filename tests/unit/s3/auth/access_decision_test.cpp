#include "s3/auth/access_decision.h"

#include <gtest/gtest.h>

#include <string>

#include "moss/s3/credentials.h"
#include "unit/s3/auth/example_credentials.h"

namespace moss::s3 {
namespace {

// The keys of docs/access-control.md's example file.
class ExampleKeys : public ::testing::Test {
 protected:
  void SetUp() override {
    auto parsed = CredentialStore::from_json(testing::kExampleCredentials);
    ASSERT_TRUE(parsed) << parsed.error();
    keys_ = std::move(*parsed);
  }
  const AccessKey& key(std::string_view id) const { return *keys_.find(id); }
  bool allows(std::string_view id, std::string_view action, std::string_view bucket,
              std::string_view object_key = {},
              std::optional<std::string_view> prefix = std::nullopt) const {
    return decide_access(key(id), {action, bucket, object_key, prefix}, std::nullopt).allowed;
  }

  CredentialStore keys_;
};

TEST_F(ExampleKeys, ReaderGetsItsModelButNotItsInternalFiles) {
  EXPECT_TRUE(allows("INFERKEY0000", "s3:GetObject", "models", "llama-3-8b/config.json"));
  EXPECT_TRUE(allows("INFERKEY0000", "s3:GetObject", "models", "llama-3-8b/tags/latest"));
  EXPECT_FALSE(allows("INFERKEY0000", "s3:GetObject", "models", "llama-3-8b/internal/x"));
  EXPECT_FALSE(allows("INFERKEY0000", "s3:GetObject", "models", "mistral-7b/config.json"));
  EXPECT_FALSE(allows("INFERKEY0000", "s3:PutObject", "models", "llama-3-8b/tags/latest"));
  EXPECT_FALSE(allows("INFERKEY0000", "s3:DeleteObject", "models", "llama-3-8b/config.json"));
  EXPECT_TRUE(allows("INFERKEY0000", "s3:ListBucket", "models"));
  EXPECT_TRUE(allows("INFERKEY0000", "s3:ListBucket", "models", {}, "mistral-7b/"));
  EXPECT_FALSE(allows("INFERKEY0000", "s3:PutLifecycleConfiguration", "models"));
  EXPECT_FALSE(allows("INFERKEY0000", "moss:Admin", ""));
}

TEST_F(ExampleKeys, PublisherWritesInModelsOnly) {
  EXPECT_TRUE(allows("CIPUBKEY0000", "s3:PutObject", "models", "mistral-7b/w.bin"));
  EXPECT_TRUE(allows("CIPUBKEY0000", "s3:DeleteObject", "models", "mistral-7b/w.bin"));
  EXPECT_FALSE(allows("CIPUBKEY0000", "s3:PutObject", "datasets", "x"));
  EXPECT_FALSE(allows("CIPUBKEY0000", "s3:ListAllMyBuckets", ""));
  EXPECT_FALSE(allows("CIPUBKEY0000", "moss:Admin", ""));
}

TEST_F(ExampleKeys, AdminMayDoEverything) {
  EXPECT_TRUE(allows("ADMINKEY0000", "moss:Admin", ""));
  EXPECT_TRUE(allows("ADMINKEY0000", "s3:ListAllMyBuckets", ""));
  EXPECT_TRUE(allows("ADMINKEY0000", "s3:DeleteBucket", "anything"));
}

TEST_F(ExampleKeys, DenialNamesTheResourceAndTheStatement) {
  auto decision = decide_access(key("INFERKEY0000"),
                                {"s3:GetObject", "models", "llama-3-8b/internal/x", std::nullopt},
                                std::nullopt);
  EXPECT_FALSE(decision.allowed);
  EXPECT_EQ(decision.resource, "arn:aws:s3:::models/llama-3-8b/internal/x");
  EXPECT_EQ(decision.reason, "denied by Statement[1]");
}

TEST(AccessDecision, ListBucketPrefixConditionNeedsThePrefix) {
  auto keys = CredentialStore::from_json(R"({"keys": [{"access_key_id": "LISTER",
      "secret_access_key": "listersecret",
      "policy": {"Statement": [{"Effect": "Allow", "Action": "s3:ListBucket",
                                "Resource": "arn:aws:s3:::models",
                                "Condition": {"StringLike": {"s3:prefix": "llama-3-8b/*"}}}]}}]})");
  ASSERT_TRUE(keys) << keys.error();
  const AccessKey& lister = *keys->find("LISTER");
  auto listing = [&](std::optional<std::string_view> prefix) {
    return decide_access(lister, {"s3:ListBucket", "models", {}, prefix}, std::nullopt).allowed;
  };
  EXPECT_TRUE(listing("llama-3-8b/weights/"));
  EXPECT_FALSE(listing("mistral-7b/"));
  EXPECT_FALSE(listing(""));
  EXPECT_FALSE(listing(std::nullopt));
}

TEST(AccessDecision, KeyWithoutPolicyOwnsOnlyItsBuckets) {
  const AccessKey alice{"ALICE", "alicesecret", "alice", nullptr, {}};
  auto decide = [&](std::string_view action, std::string_view bucket,
                    std::optional<std::string> owner) {
    return decide_access(alice, {action, bucket, "k", std::nullopt}, owner).allowed;
  };
  EXPECT_TRUE(decide("s3:GetObject", "alices", "ALICE"));
  EXPECT_TRUE(decide("s3:DeleteBucket", "alices", "ALICE"));
  EXPECT_FALSE(decide("s3:GetObject", "bobs", "BOB"));
  EXPECT_FALSE(decide("s3:ListBucket", "bobs", "BOB"));
  EXPECT_FALSE(decide("s3:PutObject", "bobs", "BOB"));
  // The store answers these: NoSuchBucket, BucketAlreadyExists.
  EXPECT_TRUE(decide("s3:GetObject", "nobodys", std::nullopt));
  EXPECT_TRUE(decide("s3:CreateBucket", "bobs", "BOB"));
  EXPECT_TRUE(
      decide_access(alice, {"s3:ListAllMyBuckets", "", "", std::nullopt}, std::nullopt).allowed);
  EXPECT_FALSE(decide_access(alice, {"moss:Admin", "", "", std::nullopt}, std::nullopt).allowed);
  EXPECT_FALSE(decide("moss:Admin", "alices", "ALICE"));
}

TEST(AccessDecision, AdministratorPolicyAllowsEverything) {
  const AccessKey env{"ENVKEY", "envsecret0", "env", administrator_policy(), {}};
  EXPECT_TRUE(decide_access(env, {"moss:Admin", "", "", std::nullopt}, std::nullopt).allowed);
  EXPECT_TRUE(decide_access(env, {"s3:GetObject", "bobs", "k", std::nullopt}, "BOB").allowed);
}

}  // namespace
}  // namespace moss::s3

namespace moss::s3 {
namespace {

bool anonymous_allowed(std::string_view action, std::string_view bucket, std::string_view key,
                       PublicMarks marks) {
  return decide_anonymous_access({action, bucket, key, std::nullopt}, marks).allowed;
}

TEST(AnonymousAccess, ReadsOnlyWhatIsMarkedPublicRead) {
  EXPECT_TRUE(anonymous_allowed("s3:GetObject", "b", "k", {.object = true}));
  EXPECT_TRUE(anonymous_allowed("s3:GetObjectVersion", "b", "k", {.object = true}));
  EXPECT_TRUE(anonymous_allowed("s3:GetObject", "b", "k", {.bucket = true}));
  EXPECT_TRUE(anonymous_allowed("s3:GetObjectVersion", "b", "k", {.bucket = true}));
  EXPECT_FALSE(anonymous_allowed("s3:GetObject", "b", "k", {}));
}

TEST(AnonymousAccess, NeverWritesListsOrAdministersWhateverIsMarked) {
  const PublicMarks everything{.bucket = true, .object = true};
  for (const char* action :
       {"s3:PutObject", "s3:DeleteObject", "s3:ListBucket", "s3:ListAllMyBuckets",
        "s3:GetObjectAcl", "s3:PutObjectAcl", "s3:PutBucketAcl", "s3:GetBucketAcl",
        "s3:AbortMultipartUpload", "moss:Admin", "moss:ReadAudit", "*"}) {
    EXPECT_FALSE(anonymous_allowed(action, "b", "k", everything)) << action;
  }
  EXPECT_FALSE(anonymous_allowed("s3:GetObject", "b", "", everything));
  EXPECT_FALSE(anonymous_allowed("s3:GetObject", "", "", everything));
}

TEST(AnonymousAccess, SaysWhyAndNamesTheResource) {
  auto denied = decide_anonymous_access({"s3:GetObject", "b", "k", std::nullopt}, {});
  EXPECT_EQ(denied.resource, "arn:aws:s3:::b/k");
  EXPECT_NE(denied.reason.find("public-read"), std::string::npos);
}

}  // namespace
}  // namespace moss::s3
