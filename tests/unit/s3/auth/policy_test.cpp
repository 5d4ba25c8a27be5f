#include "s3/auth/policy.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace moss::s3 {
namespace {

Result<Policy, std::string> parse(std::string_view text, std::string_view path = "policy") {
  return parse_policy(nlohmann::json::parse(text), path);
}

// The error parse() reports, or a note that it accepted the document.
std::string error_of(std::string_view text) {
  auto policy = parse(text);
  return policy ? std::string("(accepted)") : policy.error();
}

TEST(ParsePolicy, ReadsListsOfActionsAndResources) {
  auto policy = parse(R"({"Statement": [{"Effect": "Allow",
                          "Action": ["s3:GetObject", "s3:ListBucket"],
                          "Resource": ["arn:aws:s3:::models", "arn:aws:s3:::models/llama-3-8b/*"]},
                         {"Effect": "Deny", "Action": "s3:GetObject",
                          "Resource": "arn:aws:s3:::models/llama-3-8b/internal/*"}]})");
  ASSERT_TRUE(policy) << policy.error();
  ASSERT_EQ(policy->statements.size(), 2u);
  const auto& allow = policy->statements[0];
  EXPECT_EQ(allow.effect, Effect::kAllow);
  EXPECT_EQ(allow.actions, (std::vector<std::string>{"s3:GetObject", "s3:ListBucket"}));
  EXPECT_EQ(allow.resources,
            (std::vector<std::string>{"arn:aws:s3:::models", "arn:aws:s3:::models/llama-3-8b/*"}));
  EXPECT_TRUE(allow.prefix_conditions.empty());
  const auto& deny = policy->statements[1];
  EXPECT_EQ(deny.effect, Effect::kDeny);
  EXPECT_EQ(deny.actions, std::vector<std::string>{"s3:GetObject"});
  EXPECT_EQ(deny.resources, std::vector<std::string>{"arn:aws:s3:::models/llama-3-8b/internal/*"});
}

TEST(ParsePolicy, TakesALoneStatementWithoutTheList) {
  auto policy = parse(R"({"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}})");
  ASSERT_TRUE(policy) << policy.error();
  ASSERT_EQ(policy->statements.size(), 1u);
  EXPECT_EQ(policy->statements[0].actions, std::vector<std::string>{"*"});
  EXPECT_EQ(policy->statements[0].resources, std::vector<std::string>{"*"});
}

TEST(ParsePolicy, KeepsVersionAndSidAndAcceptsId) {
  auto policy = parse(R"({"Version": "2012-10-17", "Id": "inference-policy",
                          "Statement": [{"Sid": "ReadLlama", "Effect": "Allow",
                                         "Action": "s3:GetObject", "Resource": "*"}]})");
  ASSERT_TRUE(policy) << policy.error();
  EXPECT_EQ(policy->version, "2012-10-17");
  EXPECT_EQ(policy->statements[0].sid, "ReadLlama");
  EXPECT_TRUE(parse(R"({"Version": "2008-10-17", "Statement": [
                         {"Effect": "Allow", "Action": "*", "Resource": "*"}]})"));
}

TEST(ParsePolicy, ReadsPrefixConditionsOfBothOperators) {
  auto policy = parse(R"({"Statement": [{"Effect": "Allow", "Action": "s3:ListBucket",
      "Resource": "arn:aws:s3:::models",
      "Condition": {"StringLike": {"s3:prefix": ["llama-3-8b/*", "mistral/*"]},
                    "StringEquals": {"s3:prefix": ""}}}]})");
  ASSERT_TRUE(policy) << policy.error();
  const auto& conditions = policy->statements[0].prefix_conditions;
  ASSERT_EQ(conditions.size(), 2u);
  // nlohmann::json keeps object members in name order.
  EXPECT_EQ(conditions[0].op, PrefixCondition::Operator::kStringEquals);
  EXPECT_EQ(conditions[0].values, std::vector<std::string>{""});
  EXPECT_EQ(conditions[1].op, PrefixCondition::Operator::kStringLike);
  EXPECT_EQ(conditions[1].values, (std::vector<std::string>{"llama-3-8b/*", "mistral/*"}));
}

TEST(ParsePolicy, ConditionKeyNamesIgnoreLetterCaseAsInIam) {
  auto policy = parse(R"({"Statement": [{"Effect": "Allow", "Action": "s3:ListBucket",
      "Resource": "*", "Condition": {"StringLike": {"S3:Prefix": "a/*"}}}]})");
  ASSERT_TRUE(policy) << policy.error();
  EXPECT_EQ(policy->statements[0].prefix_conditions.size(), 1u);
}

TEST(ParsePolicy, ErrorsStartWithThePathTheCallerGives) {
  auto policy = parse(R"({"Statement": [{"Effect": "Allow", "Action": [7], "Resource": "*"}]})",
                      "keys[2].policy");
  ASSERT_FALSE(policy);
  EXPECT_EQ(policy.error(), "keys[2].policy.Statement[0].Action[0]: expected a string");
}

TEST(ParsePolicy, RefusesADocumentThatIsNotAnObject) {
  EXPECT_EQ(error_of(R"([])"), "policy: expected an object");
  EXPECT_EQ(error_of(R"("Allow")"), "policy: expected an object");
}

TEST(ParsePolicy, RefusesMissingOrEmptyStatement) {
  EXPECT_EQ(error_of(R"({})"), "policy.Statement: missing");
  EXPECT_EQ(error_of(R"({"Statement": []})"), "policy.Statement: expected at least one statement");
  EXPECT_EQ(error_of(R"({"Statement": "Allow"})"),
            "policy.Statement: expected a list of statements");
  EXPECT_EQ(error_of(R"({"Statement": [42]})"), "policy.Statement[0]: expected an object");
}

TEST(ParsePolicy, RefusesUnknownTopLevelElementsAndVersions) {
  EXPECT_EQ(error_of(R"({"Statements": []})"),
            "policy.Statements: unknown element (a policy has Version, Id and Statement)");
  EXPECT_EQ(error_of(R"({"Version": "2024-01-01", "Statement": []})"),
            R"(policy.Version: expected "2012-10-17" or "2008-10-17")");
  EXPECT_EQ(error_of(R"({"Version": 2012, "Statement": []})"), "policy.Version: expected a string");
}

TEST(ParsePolicy, RefusesAnEffectOtherThanAllowOrDeny) {
  for (const char* effect : {R"("allow")", R"("Permit")", "true", R"(["Allow"])"}) {
    EXPECT_EQ(error_of(std::string(R"({"Statement": [{"Effect": )") + effect +
                       R"(, "Action": "*", "Resource": "*"}]})"),
              R"(policy.Statement[0].Effect: expected "Allow" or "Deny")")
        << effect;
  }
}

TEST(ParsePolicy, RefusesAStatementMissingARequiredElement) {
  EXPECT_EQ(error_of(R"({"Statement": [{"Action": "*", "Resource": "*"}]})"),
            "policy.Statement[0].Effect: missing");
  EXPECT_EQ(error_of(R"({"Statement": [{"Effect": "Allow", "Resource": "*"}]})"),
            "policy.Statement[0].Action: missing");
  EXPECT_EQ(error_of(R"({"Statement": [{"Effect": "Deny", "Action": "*"}]})"),
            "policy.Statement[0].Resource: missing");
}

TEST(ParsePolicy, RefusesUnknownStatementElements) {
  EXPECT_EQ(error_of(R"({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*",
                                        "Actions": "s3:*"}]})"),
            "policy.Statement[0].Actions: unknown element (a statement has Sid, Effect, Action, "
            "Resource and Condition)");
}

TEST(ParsePolicy, SaysNotActionNotResourceAndPrincipalAreNotSupported) {
  EXPECT_EQ(error_of(R"({"Statement": [{"Effect": "Allow", "NotAction": "s3:PutObject",
                                        "Resource": "*"}]})"),
            "policy.Statement[0].NotAction: not supported; list what the statement covers in "
            "Action instead");
  EXPECT_EQ(error_of(R"({"Statement": [{"Effect": "Deny", "Action": "*",
                                        "NotResource": "arn:aws:s3:::models/*"}]})"),
            "policy.Statement[0].NotResource: not supported; list what the statement covers in "
            "Resource instead");
  for (const char* element : {"Principal", "NotPrincipal"}) {
    auto error = error_of(std::string(R"({"Statement": [{"Effect": "Allow", ")") + element +
                          R"(": "*", "Action": "*", "Resource": "*"}]})");
    EXPECT_EQ(error.rfind(std::string("policy.Statement[0].") + element + ": not supported", 0), 0u)
        << error;
  }
}

TEST(ParsePolicy, RefusesWrongTypesWithTheExactPath) {
  EXPECT_EQ(error_of(R"({"Statement": [{"Effect": "Allow", "Action": 42, "Resource": "*"}]})"),
            "policy.Statement[0].Action: expected a string or a list of strings");
  EXPECT_EQ(error_of(R"({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"},
                                       {"Effect": "Allow", "Action": ["s3:GetObject", null],
                                        "Resource": "*"}]})"),
            "policy.Statement[1].Action[1]: expected a string");
  EXPECT_EQ(error_of(R"({"Statement": [{"Effect": "Allow", "Action": "*",
                                        "Resource": {"arn": "x"}}]})"),
            "policy.Statement[0].Resource: expected a string or a list of strings");
  EXPECT_EQ(error_of(R"({"Statement": [{"Sid": 1, "Effect": "Allow", "Action": "*",
                                        "Resource": "*"}]})"),
            "policy.Statement[0].Sid: expected a string");
}

TEST(ParsePolicy, RefusesEmptyListsAndEmptyStrings) {
  EXPECT_EQ(error_of(R"({"Statement": [{"Effect": "Allow", "Action": [], "Resource": "*"}]})"),
            "policy.Statement[0].Action: expected at least one action");
  EXPECT_EQ(error_of(R"({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": []}]})"),
            "policy.Statement[0].Resource: expected at least one resource");
  EXPECT_EQ(error_of(R"({"Statement": [{"Effect": "Allow", "Action": "", "Resource": "*"}]})"),
            "policy.Statement[0].Action: expected a non-empty string");
  EXPECT_EQ(error_of(R"({"Statement": [{"Effect": "Allow", "Action": "*",
                                        "Resource": ["*", ""]}]})"),
            "policy.Statement[0].Resource[1]: expected a non-empty string");
}

TEST(ParsePolicy, RefusesActionsThatAreNotServiceColonAction) {
  const std::string expected =
      R"(policy.Statement[0].Action[0]: expected "*" or "service:action", such as )"
      R"("s3:GetObject" or "s3:*")";
  for (const char* action : {"GetObject", "s3:", ":GetObject"}) {
    EXPECT_EQ(error_of(std::string(R"({"Statement": [{"Effect": "Allow", "Action": [")") + action +
                       R"("], "Resource": "*"}]})"),
              expected)
        << action;
  }
  EXPECT_EQ(error_of(R"({"Statement": [{"Effect": "Allow", "Action": "s*:GetObject",
                                        "Resource": "*"}]})"),
            R"(policy.Statement[0].Action: the service before ':' must be letters, digits and '-' )"
            R"(("s3", "moss"))");
}

TEST(ParsePolicy, RefusesResourcesThatAreNotArns) {
  EXPECT_EQ(error_of(R"({"Statement": [{"Effect": "Allow", "Action": "*",
                                        "Resource": ["arn:aws:s3:::models", "models/*"]}]})"),
            R"(policy.Statement[0].Resource[1]: expected "*" or an ARN, such as )"
            R"("arn:aws:s3:::bucket" or "arn:aws:s3:::bucket/key/*")");
}

TEST(ParsePolicy, RefusesPolicyVariablesItCannotSubstitute) {
  EXPECT_EQ(error_of(R"({"Statement": [{"Effect": "Deny", "Action": "*",
                          "Resource": "arn:aws:s3:::home/${aws:username}/*"}]})"),
            "policy.Statement[0].Resource: policy variables (${...}) are not supported");
  EXPECT_EQ(error_of(R"({"Statement": [{"Effect": "Allow", "Action": "s3:ListBucket",
                          "Resource": "*",
                          "Condition": {"StringLike": {"s3:prefix": ["${aws:username}/*"]}}}]})"),
            "policy.Statement[0].Condition.StringLike.s3:prefix[0]: policy variables (${...}) are "
            "not supported");
}

TEST(ParsePolicy, RefusesConditionOperatorsAndKeysItDoesNotKnow) {
  EXPECT_EQ(error_of(R"({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*",
                          "Condition": {"StringNotLike": {"s3:prefix": "x"}}}]})"),
            "policy.Statement[0].Condition.StringNotLike: condition operator not supported (moss "
            "supports StringEquals and StringLike)");
  EXPECT_EQ(error_of(R"({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*",
                          "Condition": {"StringLike": {"aws:SourceIp": "10.0.0.0/8"}}}]})"),
            "policy.Statement[0].Condition.StringLike.aws:SourceIp: condition key not supported "
            "(moss supports s3:prefix)");
  EXPECT_EQ(error_of(R"({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*",
                          "Condition": {"StringLike": {"s3:prefix": "a", "s3:delimiter": "/"}}}]})"),
            "policy.Statement[0].Condition.StringLike.s3:delimiter: condition key not supported "
            "(moss supports s3:prefix)");
}

TEST(ParsePolicy, RefusesMalformedOrEmptyConditions) {
  auto with_condition = [](const std::string& condition) {
    return error_of(R"({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*",
                                      "Condition": )" +
                    condition + "}]}");
  };
  EXPECT_EQ(with_condition("{}"),
            "policy.Statement[0].Condition: expected at least one condition operator");
  EXPECT_EQ(with_condition("[]"), "policy.Statement[0].Condition: expected an object");
  EXPECT_EQ(with_condition(R"({"StringLike": "s3:prefix"})"),
            "policy.Statement[0].Condition.StringLike: expected an object");
  EXPECT_EQ(with_condition(R"({"StringLike": {}})"),
            "policy.Statement[0].Condition.StringLike: expected at least one condition key");
  EXPECT_EQ(with_condition(R"({"StringEquals": {"s3:prefix": []}})"),
            "policy.Statement[0].Condition.StringEquals.s3:prefix: expected at least one value");
  EXPECT_EQ(with_condition(R"({"StringEquals": {"s3:prefix": [true]}})"),
            "policy.Statement[0].Condition.StringEquals.s3:prefix[0]: expected a string");
}

}  // namespace
}  // namespace moss::s3
