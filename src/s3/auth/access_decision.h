// May this key do this? The one rule of authorization (docs/access-control.md),
// as a pure function of the key, the question and the bucket's owner:
//
//  - a key with a policy: the policy decides (policy_evaluator.h);
//  - a key without one is its own S3 account: allowed everything on the
//    buckets it created (Bucket::owner is its access key id) and on buckets
//    that do not exist (the operation then answers NoSuchBucket, or creates
//    it), allowed the bucket-less S3 actions (ListAllMyBuckets) and
//    CreateBucket (of a name another key has: BucketAlreadyExists), denied any
//    other key's bucket and every moss:* action.
//
// The front door (s3/authorization.h) asks it for every request. Safe from any
// thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "moss/s3/credentials.h"

namespace moss::s3 {

struct AccessQuestion {
  std::string_view action;  // "s3:GetObject", "moss:Admin"
  std::string_view bucket;  // empty: no bucket (ListAllMyBuckets, moss:*)
  std::string_view key;     // empty: the bucket itself (bucket-level actions)
  // s3:ListBucket's `prefix` parameter when the request has one.
  std::optional<std::string_view> prefix;
};

struct AccessDecision {
  bool allowed = false;
  std::string resource;  // the ARN asked about: "arn:aws:s3:::models/llama-3-8b/config.json"
  std::string reason;    // for the log: "denied by Statement[1] (NoInternal)", "not the owner"
};

// `bucket_owner`: the access key id that created `question.bucket`, nullopt
// when there is no such bucket (or no bucket is asked about). Only keys
// without a policy consult it.
AccessDecision decide_access(const AccessKey& key, const AccessQuestion& question,
                             const std::optional<std::string>& bucket_owner);

}  // namespace moss::s3
