#include "moss/store/lifecycle_policy.h"

#include <set>

namespace moss::store {

int64_t lifecycle_due_ns(int64_t start_ns, int days) {
  // Checked arithmetic: a wrapped sum would be a time in the past, and the
  // next run would expire everything the rule covers.
  int64_t span = 0;
  int64_t due = 0;
  if (__builtin_mul_overflow(int64_t{days}, kNanosPerDay, &span) ||
      __builtin_add_overflow(start_ns, span, &due)) {
    return kNeverDueNs;
  }
  const int64_t into_day = due % kNanosPerDay;
  if (into_day == 0) return due;
  int64_t midnight = 0;
  if (__builtin_add_overflow(due - into_day, kNanosPerDay, &midnight)) return kNeverDueNs;
  return midnight;
}

bool rule_applies(const LifecycleRule& rule, std::string_view key) {
  return rule.enabled && key.starts_with(rule.prefix);
}

namespace {

// When versions[i] (noncurrent) stopped being the latest. Older records may
// lack the time; then it is when the next newer version was written.
int64_t noncurrent_since(const std::vector<ObjectVersion>& versions, size_t i) {
  if (versions[i].noncurrent_since_ns > 0 || i == 0) return versions[i].noncurrent_since_ns;
  return versions[i - 1].last_modified_ns;
}

}  // namespace

std::vector<ExpiryTarget> plan_key_expiries(const std::vector<LifecycleRule>& rules,
                                            const std::vector<ObjectVersion>& versions,
                                            int64_t now_ns) {
  std::vector<ExpiryTarget> targets;
  if (versions.empty()) return targets;
  const std::string& key = versions.front().key;

  std::set<size_t> noncurrent_expired;
  for (const auto& rule : rules) {
    if (!rule_applies(rule, key) || !rule.noncurrent_days) continue;
    const int keep = rule.newer_noncurrent_versions.value_or(0);
    int newer = 0;  // noncurrent versions newer than versions[i]
    for (size_t i = 0; i < versions.size(); ++i) {
      if (versions[i].is_latest) continue;
      if (newer >= keep &&
          now_ns >= lifecycle_due_ns(noncurrent_since(versions, i), *rule.noncurrent_days)) {
        noncurrent_expired.insert(i);
      }
      ++newer;
    }
  }
  for (size_t i : noncurrent_expired) {
    targets.push_back(
        {ExpiryKind::kNoncurrentVersion, key, versions[i].version_id, versions[i].row_id});
  }

  const ObjectVersion& current = versions.front();
  if (!current.is_latest) return targets;
  const bool marker_alone =
      current.is_delete_marker && noncurrent_expired.size() == versions.size() - 1;
  for (const auto& rule : rules) {
    if (!rule_applies(rule, key)) continue;
    bool expire = false;
    if (!current.is_delete_marker) {
      expire = (rule.expiration_days &&
                now_ns >= lifecycle_due_ns(current.last_modified_ns, *rule.expiration_days)) ||
               (rule.expiration_date_ns && now_ns >= *rule.expiration_date_ns);
    } else if (marker_alone) {
      expire = rule.expired_object_delete_marker.value_or(false) ||
               (rule.expiration_days &&
                now_ns >= lifecycle_due_ns(current.last_modified_ns, *rule.expiration_days));
    }
    if (expire) {
      targets.push_back({current.is_delete_marker ? ExpiryKind::kExpiredDeleteMarker
                                                  : ExpiryKind::kCurrentVersion,
                         key, current.version_id, current.row_id});
      break;
    }
  }
  return targets;
}

bool upload_expired(const std::vector<LifecycleRule>& rules, std::string_view key,
                    int64_t initiated_ns, int64_t now_ns) {
  for (const auto& rule : rules) {
    if (rule_applies(rule, key) && rule.abort_upload_days &&
        now_ns >= lifecycle_due_ns(initiated_ns, *rule.abort_upload_days)) {
      return true;
    }
  }
  return false;
}

}  // namespace moss::store
