#include "moss/s3/credentials.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "moss/util/fs.h"
#include "s3/auth/policy.h"
#include "s3/auth/policy_evaluator.h"
#include "unit/s3/auth/example_credentials.h"
#include "unit/store/temp_dir.h"

namespace moss::s3 {
namespace {

constexpr const char* kToken = "hf_tokenAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
constexpr const char* kOtherToken = "hf_tokenBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB";

// A credentials file of the given key objects.
std::string file_of(std::initializer_list<nlohmann::json> keys) {
  return nlohmann::json{{"keys", nlohmann::json::array_t(keys)}}.dump();
}

nlohmann::json key(std::string id, nlohmann::json extra = nlohmann::json::object()) {
  nlohmann::json entry = {{"access_key_id", id}, {"secret_access_key", "secret-of-" + id}};
  entry.update(extra);
  return entry;
}

std::string error_of(const std::string& text) {
  auto store = CredentialStore::from_json(text);
  return store ? std::string("(accepted)") : store.error();
}

bool allowed(const AccessKey& key, std::string_view action, std::string_view bucket = {},
             std::string_view object_key = {}) {
  const std::string resource = s3_resource_arn(bucket, object_key);
  return evaluate_policy(*key.policy, {action, resource, std::nullopt}).allowed();
}

TEST(CredentialStoreFromJson, ReadsTheExampleIdentitiesWithTheirPolicies) {
  auto store = CredentialStore::from_json(testing::kExampleCredentials);
  ASSERT_TRUE(store) << store.error();
  ASSERT_EQ(store->size(), 3u);
  const AccessKey* inference = store->find("INFERKEY0000");
  ASSERT_NE(inference, nullptr);
  EXPECT_EQ(inference->name, "inference");
  EXPECT_EQ(inference->secret_access_key, "infersecret00");
  ASSERT_NE(inference->policy, nullptr);
  EXPECT_EQ(inference->policy->statements.size(), 2u);
  EXPECT_TRUE(allowed(*inference, "s3:GetObject", "models", "llama-3-8b/tags/latest"));
  EXPECT_FALSE(allowed(*inference, "s3:GetObject", "models", "llama-3-8b/internal/notes"));
  EXPECT_TRUE(allowed(*store->find("ADMINKEY0000"), "moss:Admin"));
  EXPECT_FALSE(allowed(*store->find("CIPUBKEY0000"), "moss:Admin"));
}

TEST(CredentialStoreFromJson, AKeyWithoutPolicyHasNone) {
  auto store = CredentialStore::from_json(file_of({key("PLAINKEY", {{"name", "alice"}})}));
  ASSERT_TRUE(store) << store.error();
  const AccessKey* plain = store->find("PLAINKEY");
  ASSERT_NE(plain, nullptr);
  EXPECT_EQ(plain->policy, nullptr);
  EXPECT_TRUE(plain->tokens.empty());
  EXPECT_EQ(plain->name, "alice");
}

TEST(CredentialStoreFromJson, PolicyErrorsCarryTheirPathInTheFile) {
  auto text =
      file_of({key("K0"), key("K1"),
               key("K2", {{"policy",
                           {{"Statement",
                             {{{"Effect", "Allow"}, {"Action", "*"}, {"Resource", "*"}},
                              {{"Effect", "Allow"}, {"Action", {7}}, {"Resource", "*"}}}}}}})});
  EXPECT_EQ(error_of(text), "keys[2].policy.Statement[1].Action[0]: expected a string");
  EXPECT_EQ(error_of(file_of({key("K0", {{"policy", nullptr}})})),
            "keys[0].policy: expected an object");
  EXPECT_EQ(error_of(file_of({key(
                "K0", {{"policy",
                        {{"Statement",
                          {{{"Effect", "Allow"}, {"NotAction", "s3:*"}, {"Resource", "*"}}}}}}})})),
            "keys[0].policy.Statement[0].NotAction: not supported; list what the statement "
            "covers in Action instead");
}

TEST(CredentialStoreFromJson, RefusesUnknownFieldsSoAMisspeltPolicyIsNotIgnored) {
  EXPECT_EQ(error_of(file_of({key("K0", {{"polciy", {{"Statement", nlohmann::json::array()}}}})})),
            "keys[0].polciy: unknown field (a key has access_key_id, secret_access_key, name, "
            "policy and tokens)");
}

TEST(CredentialStoreFromJson, RefusesANameThatIsNotAString) {
  EXPECT_EQ(error_of(file_of({key("K0", {{"name", 3}})})), "keys[0].name: expected a string");
}

TEST(CredentialStoreFromJson, TokensFindTheirKey) {
  auto store = CredentialStore::from_json(file_of(
      {key("K0", {{"tokens", {kToken}}}), key("K1", {{"tokens", {kOtherToken}}}), key("K2")}));
  ASSERT_TRUE(store) << store.error();
  ASSERT_NE(store->find_by_token(kToken), nullptr);
  EXPECT_EQ(store->find_by_token(kToken)->access_key_id, "K0");
  EXPECT_EQ(store->find_by_token(kToken)->tokens, std::vector<std::string>{kToken});
  ASSERT_NE(store->find_by_token(kOtherToken), nullptr);
  EXPECT_EQ(store->find_by_token(kOtherToken)->access_key_id, "K1");
  EXPECT_EQ(store->find_by_token("hf_tokenCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC"), nullptr);
  EXPECT_EQ(store->find_by_token(""), nullptr);
  // A token is not an access key id, nor a secret.
  EXPECT_EQ(store->find_by_token("K2"), nullptr);
  EXPECT_EQ(store->find_by_token("secret-of-K2"), nullptr);
}

TEST(CredentialStoreFromJson, ATokenGivenToTwoKeysMakesTheFileInvalid) {
  auto error = error_of(file_of({key("K0", {{"name", "alice"}, {"tokens", {kToken}}}),
                                 key("K1", {{"tokens", {kOtherToken, kToken}}})}));
  EXPECT_EQ(error, "keys[1].tokens[1]: the same token is already given to key K0 (alice)");
  EXPECT_EQ(error.find(kToken), std::string::npos);  // logs never see the token
}

TEST(CredentialStoreFromJson, ATokenRepeatedWithinAKeyIsRefused) {
  EXPECT_EQ(error_of(file_of({key("K0", {{"tokens", {kToken, kToken}}})})),
            "keys[0].tokens[1]: repeats an earlier token");
}

TEST(CredentialStoreFromJson, RefusesMalformedTokens) {
  const std::string rule = ": a token is 16 or more printable ASCII characters";
  EXPECT_EQ(error_of(file_of({key("K0", {{"tokens", {"fifteen-chars-x"}}})})),
            "keys[0].tokens[0]" + rule);
  EXPECT_EQ(error_of(file_of({key("K0", {{"tokens", {kToken, "has a space in the middle"}}})})),
            "keys[0].tokens[1]" + rule);
  EXPECT_EQ(error_of(file_of({key("K0", {{"tokens", {"tab\tinside-a-long-token"}}})})),
            "keys[0].tokens[0]" + rule);
  EXPECT_EQ(error_of(file_of({key("K0", {{"tokens", {42}}})})),
            "keys[0].tokens[0]: expected a string");
  EXPECT_EQ(error_of(file_of({key("K0", {{"tokens", kToken}})})),
            "keys[0].tokens: expected a list of strings");
  // Exactly sixteen is enough.
  EXPECT_EQ(error_of(file_of({key("K0", {{"tokens", {"sixteen-chars-xx"}}})})), "(accepted)");
}

TEST(CredentialStore, AddRefusesATokenAnotherKeyHolds) {
  CredentialStore store;
  ASSERT_TRUE(store.add({"K0", "secret-0", "alice", nullptr, {kToken}}));
  EXPECT_FALSE(store.add({"K1", "secret-1", "bob", nullptr, {kToken}}));
  EXPECT_EQ(store.find("K1"), nullptr);
  EXPECT_FALSE(store.add({"K1", "secret-1", "bob", nullptr, {"short"}}));
  EXPECT_FALSE(store.add({"K1", "secret-1", "bob", nullptr, {kOtherToken, kOtherToken}}));
  EXPECT_TRUE(store.add({"K1", "secret-1", "bob", nullptr, {kOtherToken}}));
  EXPECT_EQ(store.find_by_token(kToken)->access_key_id, "K0");
}

TEST(CredentialStore, ReplacingAKeyReplacesItsTokens) {
  CredentialStore store;
  ASSERT_TRUE(store.add({"K0", "secret-0", "alice", nullptr, {kToken}}));
  ASSERT_TRUE(store.add({"K0", "secret-0", "alice", nullptr, {kOtherToken}}));
  EXPECT_EQ(store.find_by_token(kToken), nullptr);
  ASSERT_NE(store.find_by_token(kOtherToken), nullptr);
  EXPECT_EQ(store.find_by_token(kOtherToken)->access_key_id, "K0");
  // The released token is free for another key.
  EXPECT_TRUE(store.add({"K1", "secret-1", "bob", nullptr, {kToken}}));
  EXPECT_EQ(store.find_by_token(kToken)->access_key_id, "K1");
}

TEST(DevKey, IsCreatedAsAnAdministrator) {
  testing::TempDir dir;
  bool created = false;
  auto dev = load_or_create_dev_key(dir.path(), created);
  ASSERT_TRUE(dev) << dev.error();
  EXPECT_TRUE(created);
  ASSERT_NE(dev->policy, nullptr);
  EXPECT_TRUE(allowed(*dev, "moss:Admin"));
  EXPECT_TRUE(allowed(*dev, "s3:DeleteBucket", "anyone-s-bucket"));

  // The file says so too, for whoever reads or edits it.
  std::string text;
  ASSERT_FALSE(read_file(dir.path() + "/dev-credentials.json", text));
  auto doc = nlohmann::json::parse(text);
  EXPECT_EQ(doc["keys"][0]["policy"],
            nlohmann::json::parse(
                R"({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})"));

  auto again = load_or_create_dev_key(dir.path(), created);
  ASSERT_TRUE(again) << again.error();
  EXPECT_FALSE(created);
  EXPECT_EQ(again->access_key_id, dev->access_key_id);
  ASSERT_NE(again->policy, nullptr);
  EXPECT_TRUE(allowed(*again, "moss:Admin"));
}

TEST(DevKey, FromAFileWrittenBeforePoliciesStaysAnAdministrator) {
  testing::TempDir dir;
  ASSERT_FALSE(write_file_atomically(
      dir.path() + "/dev-credentials.json",
      R"({"keys": [{"access_key_id": "MOSSOLDDEVKEY00001", "secret_access_key": "old-dev-secret-0000",
                    "name": "dev"}]})",
      0600));
  bool created = true;
  auto dev = load_or_create_dev_key(dir.path(), created);
  ASSERT_TRUE(dev) << dev.error();
  EXPECT_FALSE(created);
  EXPECT_EQ(dev->access_key_id, "MOSSOLDDEVKEY00001");
  ASSERT_NE(dev->policy, nullptr);
  EXPECT_TRUE(allowed(*dev, "moss:Admin"));
  EXPECT_TRUE(allowed(*dev, "s3:PutObject", "models", "x"));
}

TEST(DevKey, AnEditedPolicyInTheFileIsKept) {
  testing::TempDir dir;
  ASSERT_FALSE(write_file_atomically(
      dir.path() + "/dev-credentials.json",
      R"({"keys": [{"access_key_id": "MOSSDEVKEY00001", "secret_access_key": "dev-secret-0000",
                    "policy": {"Statement": [{"Effect": "Allow", "Action": "s3:Get*",
                                              "Resource": "*"}]}}]})",
      0600));
  bool created = true;
  auto dev = load_or_create_dev_key(dir.path(), created);
  ASSERT_TRUE(dev) << dev.error();
  EXPECT_TRUE(allowed(*dev, "s3:GetObject", "models", "x"));
  EXPECT_FALSE(allowed(*dev, "moss:Admin"));
}

TEST(DevKey, AFileWithoutKeysIsAnError) {
  testing::TempDir dir;
  ASSERT_FALSE(
      write_file_atomically(dir.path() + "/dev-credentials.json", R"({"keys": []})", 0600));
  bool created = true;
  auto dev = load_or_create_dev_key(dir.path(), created);
  ASSERT_FALSE(dev);
  EXPECT_NE(dev.error().find("holds no key"), std::string::npos) << dev.error();
}

}  // namespace
}  // namespace moss::s3
