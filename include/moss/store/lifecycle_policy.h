// What a bucket's lifecycle rules ask for: pure functions of the rules, one
// key's versions (or one multipart upload) and the time. The lifecycle worker
// (lifecycle_worker.h) gathers the inputs and applies the answers.
//
// Days are counted as S3 counts them: an action of N days is due at the first
// midnight UTC at or after start + N * 24 h, where start is the version's
// creation (Expiration), the moment it became noncurrent
// (NoncurrentVersionExpiration) or the upload's initiation
// (AbortIncompleteMultipartUpload). So a version written on the 15th at 10:30
// UTC under a 3-day Expiration is due on the 19th at 00:00 UTC.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "moss/store/lifecycle_types.h"
#include "moss/store/object_types.h"

namespace moss::store {

inline constexpr int64_t kNanosPerDay = 86'400'000'000'000;

// Later than any time a clock reads: the due time of an action too far in
// the future for Unix nanoseconds (from about the year 2262 on).
inline constexpr int64_t kNeverDueNs = INT64_MAX;

// When an action of `days` days counted from `start_ns` is due (see above);
// kNeverDueNs when that is past the end of int64 nanoseconds, never a wrapped
// time in the past.
int64_t lifecycle_due_ns(int64_t start_ns, int days);

// Whether `rule` is enabled and its prefix is a prefix of `key`.
bool rule_applies(const LifecycleRule& rule, std::string_view key);

// The expiries the rules call for on one key, given its versions newest first
// (as MetadataStore::list_versions returns them, noncurrent_since_ns loaded),
// in the order to apply them: noncurrent versions first, then the current
// version or an expired delete marker. Each rule applies on its own; a version
// any rule expires is expired once.
//
// - NoncurrentVersionExpiration: a noncurrent version (delete markers
//   included) NoncurrentDays after it became noncurrent, unless fewer than
//   NewerNoncurrentVersions noncurrent versions are newer than it.
// - Expiration Days / Date: the current version, if it is not a delete marker.
// - A delete marker that is the current version and would be the key's only
//   version once the noncurrent expiries above are done is an expired object
//   delete marker: removed under ExpiredObjectDeleteMarker, or under
//   Expiration Days once the marker itself is that old.
std::vector<ExpiryTarget> plan_key_expiries(const std::vector<LifecycleRule>& rules,
                                            const std::vector<ObjectVersion>& versions,
                                            int64_t now_ns);

// Whether an upload of `key` initiated at `initiated_ns` is to be aborted.
bool upload_expired(const std::vector<LifecycleRule>& rules, std::string_view key,
                    int64_t initiated_ns, int64_t now_ns);

}  // namespace moss::store
