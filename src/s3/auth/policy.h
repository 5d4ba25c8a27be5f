// A permission policy: the subset of the AWS IAM policy language that moss
// understands, parsed once (when the credentials file is read) into an
// immutable value that policy_evaluator.h checks requests against.
//
//   {"Version": "2012-10-17",
//    "Statement": [{"Sid": "ReadModels", "Effect": "Allow",
//                   "Action": ["s3:GetObject", "s3:ListBucket"],
//                   "Resource": ["arn:aws:s3:::models", "arn:aws:s3:::models/*"],
//                   "Condition": {"StringLike": {"s3:prefix": "llama-*"}}}]}
//
// Anything outside the subset is refused rather than ignored: a policy element
// moss silently skipped could grant more (an ignored NotResource) or deny less
// (an ignored Condition on a Deny) than its author meant. docs/access-control.md
// lists what is accepted.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "moss/util/result.h"

namespace moss::s3 {

enum class Effect { kAllow, kDeny };

// One condition on the request's s3:prefix (the `prefix` query parameter of
// ListObjects): it holds when the prefix equals (kStringEquals) or matches
// the wildcard pattern of (kStringLike) any of `values`.
struct PrefixCondition {
  enum class Operator { kStringEquals, kStringLike };
  Operator op = Operator::kStringLike;
  std::vector<std::string> values;  // at least one
};

struct PolicyStatement {
  std::string sid;  // empty when the statement has none
  Effect effect = Effect::kAllow;
  std::vector<std::string> actions;    // "*" or "service:pattern"; at least one
  std::vector<std::string> resources;  // "*" or an ARN pattern; at least one
  // All must hold (IAM ANDs condition operators); none means unconditional.
  std::vector<PrefixCondition> prefix_conditions;
};

struct Policy {
  std::string version;                      // "2012-10-17", "2008-10-17", or empty when not given
  std::vector<PolicyStatement> statements;  // at least one
};

// Parses a policy document. `path` names where the document sits in its file
// ("keys[2].policy") and starts every error, which then leads to the offending
// element: "keys[2].policy.Statement[1].Action[0]: expected a string".
Result<Policy, std::string> parse_policy(const nlohmann::json& document,
                                         std::string_view path = "policy");

}  // namespace moss::s3
