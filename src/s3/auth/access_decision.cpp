#include "s3/auth/access_decision.h"

#include "s3/auth/policy_evaluator.h"

namespace moss::s3 {

AccessDecision decide_access(const AccessKey& key, const AccessQuestion& question,
                             const std::optional<std::string>& bucket_owner) {
  AccessDecision out;
  out.resource = s3_resource_arn(question.bucket, question.key);
  if (key.policy) {
    const PolicyDecision decision =
        evaluate_policy(*key.policy, {question.action, out.resource, question.prefix});
    out.allowed = decision.allowed();
    // Only denials are logged; describing every allowed request cost each one
    // a string or two.
    if (!out.allowed) out.reason = describe_decision(*key.policy, decision);
    return out;
  }
  // A key without a policy: its own account.
  if (question.action.starts_with("moss:")) {
    out.reason = "a key without a policy has no moss:* actions";
  } else if (question.bucket.empty() || question.action == "s3:CreateBucket") {
    // Creating a bucket someone else has is answered by the store:
    // BucketAlreadyExists, as between two AWS accounts.
    out.allowed = true;
    out.reason = "a key's own account";
  } else if (!bucket_owner) {
    out.allowed = true;
    out.reason = "no such bucket";
  } else if (*bucket_owner == key.access_key_id) {
    out.allowed = true;
    out.reason = "the key owns the bucket";
  } else {
    out.reason = "the bucket belongs to another key (a key without a policy has only its own)";
  }
  return out;
}

bool anonymous_may_ask(std::string_view action) {
  return action == "s3:GetObject" || action == "s3:GetObjectVersion";
}

AccessDecision decide_anonymous_access(const AccessQuestion& question, const PublicMarks& marks) {
  AccessDecision out;
  out.resource = s3_resource_arn(question.bucket, question.key);
  if (!anonymous_may_ask(question.action) || question.bucket.empty() || question.key.empty()) {
    out.reason = "anonymous requests may only read objects marked public-read";
  } else if (marks.bucket) {
    out.allowed = true;
    out.reason = "the bucket is public-read";
  } else if (marks.object) {
    out.allowed = true;
    out.reason = "the object is public-read";
  } else {
    out.reason = "neither the object nor its bucket is public-read";
  }
  return out;
}

}  // namespace moss::s3
