// Decides whether a policy (policy.h) lets a request through, by IAM's rules:
//
//   1. A Deny statement that matches the request denies it, whatever else the
//      policy says.
//   2. Otherwise an Allow statement that matches allows it.
//   3. Otherwise the request is denied: nothing is allowed by default.
//
// A statement matches when one of its actions matches the request's action
// (wildcards, letter case ignored), one of its resources matches the request's
// resource ARN (wildcards, case-sensitive), and every condition holds. A
// condition on s3:prefix holds only for a request that carries the key: a
// request without one (anything but ListBucket, or a listing without a
// `prefix` parameter) never satisfies it, so such a statement neither allows
// nor denies it. Pure functions, safe from any thread.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "s3/auth/policy.h"

namespace moss::s3 {

// What is asked: e.g. {"s3:GetObject", "arn:aws:s3:::models/llama-3-8b/tags/latest"}.
struct AccessRequest {
  std::string_view action;    // "s3:GetObject", "moss:Admin"; no wildcards
  std::string_view resource;  // from s3_resource_arn(); taken literally, `*` included
  // The s3:prefix condition key: ListBucket's `prefix` parameter when the
  // request has one ("" when it is present but empty), nullopt otherwise.
  std::optional<std::string_view> prefix;
};

struct PolicyDecision {
  enum class Outcome {
    kAllowed,           // an Allow statement matched and no Deny did
    kExplicitlyDenied,  // a Deny statement matched
    kNotAllowed,        // no statement matched
  };
  Outcome outcome = Outcome::kNotAllowed;
  // Index into Policy::statements of the statement that decided (the first
  // matching Deny, else the first matching Allow); nullopt for kNotAllowed.
  std::optional<size_t> statement;

  bool allowed() const { return outcome == Outcome::kAllowed; }
};

PolicyDecision evaluate_policy(const Policy& policy, const AccessRequest& request);

// For logs: "allowed by Statement[0]", "denied by Statement[1] (NoInternal)",
// "no statement allows it".
std::string describe_decision(const Policy& policy, const PolicyDecision& decision);

// The resource a request acts on, as policies name it: "arn:aws:s3:::bucket"
// for bucket-level actions, "arn:aws:s3:::bucket/key" for object-level ones,
// and "arn:aws:s3:::" (bucket empty) for actions on no bucket at all
// (ListAllMyBuckets, moss:Admin), which only "*" and "arn:aws:s3:::*" cover.
std::string s3_resource_arn(std::string_view bucket = {}, std::string_view key = {});

}  // namespace moss::s3
