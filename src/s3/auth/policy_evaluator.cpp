#include "s3/auth/policy_evaluator.h"

#include <algorithm>

#include "s3/auth/wildcard_match.h"

namespace moss::s3 {
namespace {

bool any_matches(const std::vector<std::string>& patterns, std::string_view text,
                 LetterCase letter_case) {
  return std::any_of(patterns.begin(), patterns.end(), [&](const std::string& pattern) {
    return wildcard_match(pattern, text, letter_case);
  });
}

bool holds(const PrefixCondition& condition, std::optional<std::string_view> prefix) {
  // IAM: StringEquals and StringLike are false for a key the request lacks.
  if (!prefix) return false;
  return std::any_of(condition.values.begin(), condition.values.end(),
                     [&](const std::string& value) {
                       return condition.op == PrefixCondition::Operator::kStringEquals
                                  ? value == *prefix
                                  : wildcard_match(value, *prefix, LetterCase::kSensitive);
                     });
}

bool matches(const PolicyStatement& statement, const AccessRequest& request) {
  return any_matches(statement.actions, request.action, LetterCase::kInsensitive) &&
         any_matches(statement.resources, request.resource, LetterCase::kSensitive) &&
         std::all_of(statement.prefix_conditions.begin(), statement.prefix_conditions.end(),
                     [&](const PrefixCondition& c) { return holds(c, request.prefix); });
}

}  // namespace

PolicyDecision evaluate_policy(const Policy& policy, const AccessRequest& request) {
  std::optional<size_t> first_allow;
  for (size_t i = 0; i < policy.statements.size(); ++i) {
    const PolicyStatement& statement = policy.statements[i];
    if (!matches(statement, request)) continue;
    if (statement.effect == Effect::kDeny) {
      return {PolicyDecision::Outcome::kExplicitlyDenied, i};
    }
    if (!first_allow) first_allow = i;
  }
  if (first_allow) return {PolicyDecision::Outcome::kAllowed, first_allow};
  return {PolicyDecision::Outcome::kNotAllowed, std::nullopt};
}

std::string describe_decision(const Policy& policy, const PolicyDecision& decision) {
  if (!decision.statement) return "no statement allows it";
  const size_t index = *decision.statement;
  std::string text = decision.allowed() ? "allowed by Statement[" : "denied by Statement[";
  text += std::to_string(index) + "]";
  if (index < policy.statements.size() && !policy.statements[index].sid.empty()) {
    text += " (" + policy.statements[index].sid + ")";
  }
  return text;
}

std::string s3_resource_arn(std::string_view bucket, std::string_view key) {
  std::string arn = "arn:aws:s3:::";
  arn += bucket;
  if (!bucket.empty() && !key.empty()) {
    arn += '/';
    arn += key;
  }
  return arn;
}

}  // namespace moss::s3
