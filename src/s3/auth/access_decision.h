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
// An anonymous (unsigned) request has no key: decide_anonymous_access.
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
  // For the log of a denial: "denied by Statement[1] (NoInternal)", "not the
  // owner". A key with a policy leaves it empty when allowed.
  std::string reason;
};

// `bucket_owner`: the access key id that created `question.bucket`, nullopt
// when there is no such bucket (or no bucket is asked about). Only keys
// without a policy consult it.
AccessDecision decide_access(const AccessKey& key, const AccessQuestion& question,
                             const std::optional<std::string>& bucket_owner);

// What the canned ACLs (docs/access-control.md) mark readable by anyone.
struct PublicMarks {
  bool bucket = false;  // the bucket is public-read: every object in it
  bool object = false;  // the version asked about is public-read
};

// An unsigned request: allowed s3:GetObject (GET, HEAD) and
// s3:GetObjectVersion of an object marked public-read, or of any object in a
// bucket marked public-read; denied everything else (writes, listings, ACLs,
// the registry API, moss:*).
AccessDecision decide_anonymous_access(const AccessQuestion& question, const PublicMarks& marks);

// Whether an anonymous request for `action` could ever be allowed: only then
// are the marks worth looking up.
bool anonymous_may_ask(std::string_view action);

}  // namespace moss::s3
