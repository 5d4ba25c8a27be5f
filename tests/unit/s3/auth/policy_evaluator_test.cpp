#include "s3/auth/policy_evaluator.h"

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "unit/s3/auth/example_credentials.h"

namespace moss::s3 {
namespace {

using Outcome = PolicyDecision::Outcome;

Policy policy_from(std::string_view text) {
  auto policy = parse_policy(nlohmann::json::parse(text));
  EXPECT_TRUE(policy) << policy.error();
  return policy ? std::move(*policy) : Policy{};
}

// A policy with one statement.
Policy one_statement(std::string_view effect, std::string_view action, std::string_view resource) {
  nlohmann::json statement = {{"Effect", effect}, {"Action", action}, {"Resource", resource}};
  return policy_from(nlohmann::json{{"Statement", {statement}}}.dump());
}

bool allows(const Policy& policy, std::string_view action, std::string_view bucket = "models",
            std::string_view key = {}, std::optional<std::string_view> prefix = std::nullopt) {
  const std::string resource = s3_resource_arn(bucket, key);
  return evaluate_policy(policy, {action, resource, prefix}).allowed();
}

// The policies of the example credentials file, by access key id, parsed
// here so the evaluator's tests do not depend on the credential store.
class ExamplePolicies : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto file = nlohmann::json::parse(testing::kExampleCredentials);
    for (const auto& key : file["keys"]) {
      auto policy = parse_policy(key["policy"]);
      ASSERT_TRUE(policy) << policy.error();
      policies_.emplace(key["access_key_id"].get<std::string>(), std::move(*policy));
    }
  }
  const Policy& policy_of(const std::string& access_key_id) { return policies_.at(access_key_id); }
  std::map<std::string, Policy> policies_;
};

TEST(S3ResourceArn, NamesBucketsObjectsAndTheAccount) {
  EXPECT_EQ(s3_resource_arn("models"), "arn:aws:s3:::models");
  EXPECT_EQ(s3_resource_arn("models", "llama-3-8b/tags/latest"),
            "arn:aws:s3:::models/llama-3-8b/tags/latest");
  EXPECT_EQ(s3_resource_arn(), "arn:aws:s3:::");
}

TEST(EvaluatePolicy, StarAllowsEveryActionOnEveryResource) {
  const Policy policy = one_statement("Allow", "*", "*");
  EXPECT_TRUE(allows(policy, "s3:GetObject", "models", "a/b"));
  EXPECT_TRUE(allows(policy, "s3:CreateBucket", "anything"));
  EXPECT_TRUE(allows(policy, "s3:ListAllMyBuckets", ""));
  EXPECT_TRUE(allows(policy, "moss:Admin", ""));
  EXPECT_TRUE(allows(policy, "moss:ReadAudit", ""));
}

TEST(EvaluatePolicy, ServiceWildcardCoversThatServiceOnly) {
  const Policy policy = one_statement("Allow", "s3:*", "*");
  EXPECT_TRUE(allows(policy, "s3:GetObject", "models", "x"));
  EXPECT_TRUE(allows(policy, "s3:PutBucketVersioning"));
  EXPECT_FALSE(allows(policy, "moss:Admin", ""));
  EXPECT_FALSE(allows(policy, "moss:ReadAudit", ""));
}

TEST(EvaluatePolicy, ActionWildcardsMatchPartsOfTheName) {
  const Policy get_star = one_statement("Allow", "s3:Get*", "*");
  EXPECT_TRUE(allows(get_star, "s3:GetObject", "models", "k"));
  EXPECT_TRUE(allows(get_star, "s3:GetObjectVersion", "models", "k"));
  EXPECT_TRUE(allows(get_star, "s3:GetBucketVersioning"));
  EXPECT_FALSE(allows(get_star, "s3:PutObject", "models", "k"));
  EXPECT_FALSE(allows(get_star, "s3:ListBucket"));

  const Policy one_letter = one_statement("Allow", "s3:?etObject", "*");
  EXPECT_TRUE(allows(one_letter, "s3:GetObject", "models", "k"));
  EXPECT_FALSE(allows(one_letter, "s3:GetObjectVersion", "models", "k"));
  EXPECT_FALSE(allows(one_letter, "s3:PutObject", "models", "k"));
}

TEST(EvaluatePolicy, ActionsIgnoreLetterCase) {
  EXPECT_TRUE(allows(one_statement("Allow", "s3:getobject", "*"), "s3:GetObject", "m", "k"));
  EXPECT_TRUE(allows(one_statement("Allow", "S3:GETOBJECT", "*"), "s3:GetObject", "m", "k"));
  EXPECT_TRUE(allows(one_statement("Allow", "MOSS:admin", "*"), "moss:Admin", ""));
}

TEST(EvaluatePolicy, ResourcesRespectLetterCase) {
  const Policy policy = one_statement("Allow", "*", "arn:aws:s3:::models/Llama/*");
  EXPECT_TRUE(allows(policy, "s3:GetObject", "models", "Llama/weights"));
  EXPECT_FALSE(allows(policy, "s3:GetObject", "models", "llama/weights"));
  EXPECT_FALSE(allows(policy, "s3:GetObject", "Models", "Llama/weights"));
}

TEST(EvaluatePolicy, ResourceWildcardsCoverKeysButNotTheBucketOrItsNeighbours) {
  const Policy policy = one_statement("Allow", "*", "arn:aws:s3:::models/*");
  EXPECT_TRUE(allows(policy, "s3:GetObject", "models", "llama-3-8b/tags/latest"));
  EXPECT_TRUE(allows(policy, "s3:PutObject", "models", "x"));
  EXPECT_FALSE(allows(policy, "s3:ListBucket", "models"));  // the bucket itself
  EXPECT_FALSE(allows(policy, "s3:GetObject", "models2", "x"));
  EXPECT_FALSE(allows(policy, "s3:ListAllMyBuckets", ""));

  const Policy any_llama_3 = one_statement("Allow", "*", "arn:aws:s3:::models/llama-3-?b/*");
  EXPECT_TRUE(allows(any_llama_3, "s3:GetObject", "models", "llama-3-8b/config.json"));
  EXPECT_FALSE(allows(any_llama_3, "s3:GetObject", "models", "llama-3-70b/config.json"));
}

TEST(EvaluatePolicy, TheAccountResourceIsCoveredOnlyByStars) {
  EXPECT_TRUE(allows(one_statement("Allow", "*", "arn:aws:s3:::*"), "s3:ListAllMyBuckets", ""));
  EXPECT_FALSE(
      allows(one_statement("Allow", "*", "arn:aws:s3:::models"), "s3:ListAllMyBuckets", ""));
}

TEST(EvaluatePolicy, RequestResourceIsTakenLiterally) {
  // A key may contain `*`; in a request it is just a character.
  const Policy policy = one_statement("Allow", "*", "arn:aws:s3:::models/exact");
  EXPECT_FALSE(allows(policy, "s3:GetObject", "models", "*"));
  EXPECT_FALSE(allows(policy, "s3:GetObject", "models", "exac?"));
  EXPECT_TRUE(allows(policy, "s3:GetObject", "models", "exact"));
}

TEST(EvaluatePolicy, NothingMatchingMeansNotAllowed) {
  const Policy policy = one_statement("Allow", "s3:GetObject", "arn:aws:s3:::models/*");
  const std::string resource = s3_resource_arn("models", "a");
  auto decision = evaluate_policy(policy, {"s3:PutObject", resource, std::nullopt});
  EXPECT_FALSE(decision.allowed());
  EXPECT_EQ(decision.outcome, Outcome::kNotAllowed);
  EXPECT_EQ(decision.statement, std::nullopt);
  EXPECT_EQ(describe_decision(policy, decision), "no statement allows it");
}

TEST(EvaluatePolicy, ExplicitDenyWinsWhereverItStands) {
  const Policy deny_last = policy_from(R"({"Statement": [
      {"Effect": "Allow", "Action": "*", "Resource": "*"},
      {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::models/*"},
      {"Sid": "NoInternal", "Effect": "Deny", "Action": "s3:*",
       "Resource": "arn:aws:s3:::models/internal/*"}]})");
  const Policy deny_first = policy_from(R"({"Statement": [
      {"Sid": "NoInternal", "Effect": "Deny", "Action": "s3:*",
       "Resource": "arn:aws:s3:::models/internal/*"},
      {"Effect": "Allow", "Action": "*", "Resource": "*"}]})");
  const std::string internal = s3_resource_arn("models", "internal/secret.bin");
  for (const Policy* policy : {&deny_last, &deny_first}) {
    auto decision = evaluate_policy(*policy, {"s3:GetObject", internal, std::nullopt});
    EXPECT_EQ(decision.outcome, Outcome::kExplicitlyDenied);
    EXPECT_EQ(describe_decision(*policy, decision).rfind("denied by Statement[", 0), 0u);
    EXPECT_NE(describe_decision(*policy, decision).find("(NoInternal)"), std::string::npos);
    EXPECT_TRUE(allows(*policy, "s3:GetObject", "models", "public/readme.md"));
  }
  EXPECT_EQ(evaluate_policy(deny_last, {"s3:GetObject", internal, std::nullopt}).statement, 2u);
  EXPECT_EQ(evaluate_policy(deny_first, {"s3:GetObject", internal, std::nullopt}).statement, 0u);
}

TEST(EvaluatePolicy, ReportsTheFirstAllowThatMatched) {
  const Policy policy = policy_from(R"({"Statement": [
      {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"},
      {"Sid": "Reads", "Effect": "Allow", "Action": "s3:Get*", "Resource": "*"},
      {"Effect": "Allow", "Action": "*", "Resource": "*"}]})");
  const std::string resource = s3_resource_arn("models", "k");
  auto decision = evaluate_policy(policy, {"s3:GetObject", resource, std::nullopt});
  EXPECT_EQ(decision.outcome, Outcome::kAllowed);
  EXPECT_EQ(decision.statement, 1u);
  EXPECT_EQ(describe_decision(policy, decision), "allowed by Statement[1] (Reads)");
  decision = evaluate_policy(policy, {"moss:Admin", s3_resource_arn(), std::nullopt});
  EXPECT_EQ(describe_decision(policy, decision), "allowed by Statement[2]");
}

TEST_F(ExamplePolicies, AdminMayDoEverything) {
  const Policy& admin = policy_of("ADMINKEY0000");
  EXPECT_TRUE(allows(admin, "moss:Admin", ""));
  EXPECT_TRUE(allows(admin, "s3:DeleteBucket", "models"));
  EXPECT_TRUE(allows(admin, "s3:GetObject", "models", "llama-3-8b/internal/eval.json"));
}

TEST_F(ExamplePolicies, CiPublisherOwnsTheModelsBucketOnly) {
  const Policy& ci = policy_of("CIPUBKEY0000");
  EXPECT_TRUE(allows(ci, "s3:PutObject", "models", "llama-3-8b/model.safetensors"));
  EXPECT_TRUE(allows(ci, "s3:PutObject", "models", "llama-3-8b/tags/latest"));  // move a tag
  EXPECT_TRUE(allows(ci, "s3:DeleteObject", "models", "llama-3-8b/tags/rc"));
  EXPECT_TRUE(allows(ci, "s3:ListBucket", "models"));
  EXPECT_TRUE(allows(ci, "s3:AbortMultipartUpload", "models", "big.gguf"));
  EXPECT_FALSE(allows(ci, "s3:PutObject", "datasets", "x"));
  EXPECT_FALSE(allows(ci, "s3:ListAllMyBuckets", ""));
  EXPECT_FALSE(allows(ci, "moss:Admin", ""));
}

TEST_F(ExamplePolicies, InferenceReadsOneModelButNotItsInternalFiles) {
  const Policy& inference = policy_of("INFERKEY0000");
  EXPECT_TRUE(allows(inference, "s3:GetObject", "models", "llama-3-8b/tags/latest"));
  EXPECT_TRUE(allows(inference, "s3:GetObject", "models", "llama-3-8b/model.safetensors"));
  EXPECT_TRUE(allows(inference, "s3:ListBucket", "models"));
  EXPECT_TRUE(allows(inference, "s3:ListBucket", "models", {}, "llama-3-8b/"));
  EXPECT_FALSE(allows(inference, "s3:GetObject", "models", "llama-3-8b/internal/eval.json"));
  EXPECT_FALSE(allows(inference, "s3:PutObject", "models", "llama-3-8b/tags/latest"));
  EXPECT_FALSE(allows(inference, "s3:DeleteObject", "models", "llama-3-8b/tags/latest"));
  EXPECT_FALSE(allows(inference, "s3:GetObject", "models", "mistral-7b/tags/latest"));
  EXPECT_FALSE(allows(inference, "s3:GetObjectVersion", "models", "llama-3-8b/model.safetensors"));
  EXPECT_FALSE(allows(inference, "s3:GetObject", "datasets", "llama-3-8b/x"));
  EXPECT_FALSE(allows(inference, "moss:Admin", ""));
  const std::string internal = s3_resource_arn("models", "llama-3-8b/internal/eval.json");
  auto decision = evaluate_policy(inference, {"s3:GetObject", internal, std::nullopt});
  EXPECT_EQ(decision.outcome, Outcome::kExplicitlyDenied);
  EXPECT_EQ(decision.statement, 1u);
}

TEST(EvaluatePolicy, StringLikePrefixConditionLimitsListing) {
  const Policy policy = policy_from(R"({"Statement": [{"Effect": "Allow",
      "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::models",
      "Condition": {"StringLike": {"s3:prefix": ["llama-3-8b/*", "mistral-?b/*"]}}}]})");
  EXPECT_TRUE(allows(policy, "s3:ListBucket", "models", {}, "llama-3-8b/"));
  EXPECT_TRUE(allows(policy, "s3:ListBucket", "models", {}, "llama-3-8b/tags/"));
  EXPECT_TRUE(allows(policy, "s3:ListBucket", "models", {}, "mistral-7b/"));
  EXPECT_FALSE(allows(policy, "s3:ListBucket", "models", {}, "mistral-70b/"));
  EXPECT_FALSE(allows(policy, "s3:ListBucket", "models", {}, "llama-3-8b"));
  EXPECT_FALSE(allows(policy, "s3:ListBucket", "models", {}, ""));
  // IAM: a condition on a key the request lacks does not hold.
  EXPECT_FALSE(allows(policy, "s3:ListBucket", "models", {}, std::nullopt));
}

TEST(EvaluatePolicy, StringEqualsPrefixConditionWantsTheExactPrefix) {
  const Policy policy = policy_from(R"({"Statement": [{"Effect": "Allow",
      "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::models",
      "Condition": {"StringEquals": {"s3:prefix": ["", "llama-3-8b/"]}}}]})");
  EXPECT_TRUE(allows(policy, "s3:ListBucket", "models", {}, ""));
  EXPECT_TRUE(allows(policy, "s3:ListBucket", "models", {}, "llama-3-8b/"));
  EXPECT_FALSE(allows(policy, "s3:ListBucket", "models", {}, "llama-3-8b/tags/"));
  EXPECT_FALSE(allows(policy, "s3:ListBucket", "models", {}, "llama-*"));  // no wildcards here
  EXPECT_FALSE(allows(policy, "s3:ListBucket", "models", {}, std::nullopt));
}

TEST(EvaluatePolicy, EveryConditionOperatorMustHold) {
  const Policy policy = policy_from(R"({"Statement": [{"Effect": "Allow",
      "Action": "s3:ListBucket", "Resource": "*",
      "Condition": {"StringLike": {"s3:prefix": "llama-*"},
                    "StringEquals": {"s3:prefix": ["llama-3-8b/", "mistral/"]}}}]})");
  EXPECT_TRUE(allows(policy, "s3:ListBucket", "models", {}, "llama-3-8b/"));
  EXPECT_FALSE(allows(policy, "s3:ListBucket", "models", {}, "mistral/"));  // not llama-*
  EXPECT_FALSE(allows(policy, "s3:ListBucket", "models", {}, "llama-2/"));  // not listed
}

TEST(EvaluatePolicy, ConditionalDenyLeavesRequestsWithoutThePrefixAlone) {
  const Policy policy = policy_from(R"({"Statement": [
      {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
      {"Effect": "Deny", "Action": "s3:ListBucket", "Resource": "*",
       "Condition": {"StringLike": {"s3:prefix": "internal/*"}}}]})");
  EXPECT_FALSE(allows(policy, "s3:ListBucket", "models", {}, "internal/x/"));
  EXPECT_TRUE(allows(policy, "s3:ListBucket", "models", {}, "public/"));
  EXPECT_TRUE(allows(policy, "s3:ListBucket", "models", {}, std::nullopt));
  EXPECT_TRUE(allows(policy, "s3:GetObject", "models", "internal/x"));  // no prefix key at all
}

TEST(EvaluatePolicy, PathologicalPatternsStillAnswer) {
  // Each of these would take a backtracking matcher longer than the universe
  // has left; the test only needs them to come back with the right answer.
  const Policy policy = policy_from(R"({"Statement": [
      {"Effect": "Allow", "Action": "s3:*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b",
       "Resource": "arn:aws:s3:::*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b",
       "Condition": {"StringLike": {"s3:prefix": "*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b"}}}]})");
  const std::string long_run(100000, 'a');
  EXPECT_FALSE(allows(policy, "s3:" + long_run, long_run, long_run, long_run));
  EXPECT_TRUE(allows(policy, "s3:" + long_run + "b", long_run, long_run + "b", long_run + "b"));
}

}  // namespace
}  // namespace moss::s3
