// The records of versioning and lifecycle the store keeps beyond versions
// themselves: a page of ListObjectVersions, a bucket's lifecycle rules, and one
// expiry a lifecycle run asks for. See docs/versioning.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "moss/store/object_types.h"

namespace moss::store {

struct VersionListQuery {
  std::string prefix;
  std::string delimiter;
  // Exclusive position: every version of keys up to key_marker is skipped (a
  // common prefix not greater than it whole), unless version_id_marker names a
  // version of key_marker: then the versions of key_marker older than it come
  // first. A version_id_marker that names no version of key_marker skips the key.
  std::string key_marker;
  std::string version_id_marker;
  int max_keys = 1000;
};

struct VersionListPage {
  // Keys in UTF-8 byte order, each key's versions (delete markers included)
  // newest first. Segments and attributes are not loaded; noncurrent_since_ns is.
  std::vector<ObjectVersion> versions;
  std::vector<std::string> common_prefixes;
  bool truncated = false;
  // The last entry returned: a version (key and id) or a common prefix (key only).
  std::string next_key_marker;
  std::string next_version_id_marker;
};

// How a rule named the keys it applies to, kept so that
// GetBucketLifecycleConfiguration answers in the form the rule was given.
enum class RuleFilterForm {
  kFilterPrefix,  // <Filter><Prefix>p</Prefix></Filter>
  kEmptyFilter,   // <Filter/>: every key
  kRulePrefix,    // <Prefix>p</Prefix> directly in the rule (the older form)
};

// One lifecycle rule, validated (s3/lifecycle_configuration.h). Days count as
// S3 counts them: lifecycle_policy.h.
struct LifecycleRule {
  std::string id;
  bool enabled = true;
  std::string prefix;
  RuleFilterForm filter_form = RuleFilterForm::kFilterPrefix;
  // Expiration of current versions: after `expiration_days`, or from
  // `expiration_date_ns` (a midnight UTC) on. Present as given.
  std::optional<int> expiration_days;
  std::optional<int64_t> expiration_date_ns;
  std::optional<bool> expired_object_delete_marker;
  // NoncurrentVersionExpiration.
  std::optional<int> noncurrent_days;
  std::optional<int> newer_noncurrent_versions;
  // AbortIncompleteMultipartUpload.
  std::optional<int> abort_upload_days;
};

enum class ExpiryKind {
  // Permanently remove a version that is (still) not the latest.
  kNoncurrentVersion,
  // Expire the key's current version, which must still be the version the
  // target names and not a delete marker: as a DELETE without a version id
  // would (a delete marker in a versioned bucket, removal in an unversioned one).
  kCurrentVersion,
  // Remove a delete marker that is (still) the key's only version.
  kExpiredDeleteMarker,
};

// The version an expiry was decided on. Its version id alone does not name
// it: in an unversioned or suspended bucket every write is "null", so an
// overwrite acknowledged after the worker read the key has the same id. The
// row id (ObjectVersion::row_id, never reused) does; an expiry applies only
// while the key still has that very row.
struct ExpiryTarget {
  ExpiryKind kind = ExpiryKind::kNoncurrentVersion;
  std::string key;
  std::string version_id;
  int64_t row_id = 0;
};

}  // namespace moss::store
