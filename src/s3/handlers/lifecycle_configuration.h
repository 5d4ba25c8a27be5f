// The documents of PutBucketLifecycleConfiguration and
// GetBucketLifecycleConfiguration, for the actions moss applies (see
// docs/versioning.md): parsed and validated as S3 validates them, and
// rendered back in the form they were given. Pure logic, no I/O.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "moss/store/lifecycle_types.h"

namespace moss::s3 {

inline constexpr size_t kMaxLifecycleRules = 1000;
inline constexpr size_t kMaxLifecycleRuleIdLength = 255;
inline constexpr int kMaxNewerNoncurrentVersions = 100;

// A <LifecycleConfiguration> as rules; a rule without an ID gets a generated
// one. Throws S3Error, nothing else, and accepts nothing partially:
//   MalformedXML     not well-formed; another root; no rule or more than 1000;
//                    an unknown or repeated element; a number or boolean that
//                    does not parse; Status other than Enabled or Disabled; a
//                    rule with neither Filter nor Prefix, or both; a Filter
//                    with more than one condition; an Expiration with none or
//                    more than one of Days, Date, ExpiredObjectDeleteMarker.
//   InvalidArgument  an ID longer than 255 characters or used twice; Days,
//                    NoncurrentDays or DaysAfterInitiation missing or not
//                    positive; NewerNoncurrentVersions outside 1..100; a Date
//                    not at midnight UTC, or outside 1678-01-01..2262-04-11
//                    (times are int64 nanoseconds). Any positive day count is
//                    accepted: one that ends past 2262 is never due
//                    (lifecycle_policy.h).
//   InvalidRequest   a rule without any action.
//   NotImplemented   Transition and NoncurrentVersionTransition (moss has one
//                    storage class); Tag, And and ObjectSize filters.
std::vector<store::LifecycleRule> parse_lifecycle_configuration(std::string_view xml);

// The <LifecycleConfiguration> GetBucketLifecycleConfiguration answers.
std::string render_lifecycle_configuration(const std::vector<store::LifecycleRule>& rules);

}  // namespace moss::s3
