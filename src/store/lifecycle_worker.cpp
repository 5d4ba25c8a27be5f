#include "moss/store/lifecycle_worker.h"

#include <algorithm>
#include <iterator>

#include "moss/store/lifecycle_policy.h"
#include "moss/util/clock.h"

namespace moss::store {
namespace {

constexpr int kPageSize = 1000;

// The longest prefix every rule's prefix starts with: one listing covers them all.
std::string common_prefix(const std::vector<LifecycleRule>& rules) {
  std::string prefix = rules.front().prefix;
  for (const auto& rule : rules) {
    size_t n = 0;
    while (n < prefix.size() && n < rule.prefix.size() && prefix[n] == rule.prefix[n]) ++n;
    prefix.resize(n);
  }
  // Never end inside a UTF-8 sequence: the listing's upper bound assumes whole characters.
  while (!prefix.empty() && (static_cast<unsigned char>(prefix.back()) & 0xC0) == 0x80) {
    prefix.pop_back();
  }
  if (!prefix.empty() && (static_cast<unsigned char>(prefix.back()) & 0x80)) prefix.pop_back();
  return prefix;
}

bool has_version_actions(const LifecycleRule& r) {
  return r.expiration_days || r.expiration_date_ns || r.expired_object_delete_marker ||
         r.noncurrent_days;
}

}  // namespace

LifecycleWorker::LifecycleWorker(ObjectStore& store, std::chrono::milliseconds clock_offset,
                                 std::chrono::milliseconds snapshot_retention)
    : store_(store), clock_offset_(clock_offset), snapshot_retention_(snapshot_retention) {}

int64_t LifecycleWorker::now_ns() const {
  return now_unix_nanos() +
         std::chrono::duration_cast<std::chrono::nanoseconds>(clock_offset_).count();
}

StoreResult<LifecycleRunStats> LifecycleWorker::run() { return run_at(now_ns()); }

StoreResult<LifecycleRunStats> LifecycleWorker::run_at(int64_t now_ns) {
  MutexLock lock(run_mutex_);
  LifecycleRunStats stats;
  stats.now_ns = now_ns;
  auto buckets = store_.list_lifecycle_buckets();
  if (!buckets) return fail(buckets.error());
  for (const auto& bucket : *buckets) {
    if (stopping_) break;
    auto r = apply_to_bucket(bucket, now_ns, stats);
    if (!r && r.error().code != StoreErrc::kNoSuchBucket) return fail(r.error());
  }
  if (stopping_) return stats;
  const int64_t unheld_before =
      now_ns - std::chrono::duration_cast<std::chrono::nanoseconds>(snapshot_retention_).count();
  auto released = store_.release_unheld_snapshots(unheld_before);
  if (!released) return fail(released.error());
  stats.snapshots_released = released->snapshots;
  stats.blobs_released += released->released_blobs.size();
  return stats;
}

StoreResult<void> LifecycleWorker::apply_to_bucket(const std::string& bucket, int64_t now_ns,
                                                   LifecycleRunStats& stats) {
  auto configured = store_.get_lifecycle(bucket);
  if (!configured) return fail(configured.error());
  if (!*configured) return {};  // removed since the bucket was listed
  std::vector<LifecycleRule> rules;
  std::copy_if((*configured)->begin(), (*configured)->end(), std::back_inserter(rules),
               [](const LifecycleRule& r) { return r.enabled; });
  ++stats.buckets;
  if (rules.empty()) return {};
  const std::string prefix = common_prefix(rules);

  // Versions, one key at a time: a key's versions are acted on only once all
  // of them were read, so the next page resumes from a version still there.
  auto apply_key = [&](const std::vector<ObjectVersion>& versions) -> StoreResult<void> {
    const auto targets = plan_key_expiries(rules, versions, now_ns);
    if (!targets.empty() && before_expiries_) before_expiries_(versions.front().key);
    for (const auto& target : targets) {
      auto outcome = store_.expire_version(bucket, target);
      if (!outcome) return fail(outcome.error());
      if (outcome->version_id.empty()) continue;  // changed since it was read
      stats.blobs_released += outcome->released_blobs.size();
      switch (target.kind) {
        case ExpiryKind::kNoncurrentVersion:
          ++stats.noncurrent_versions_expired;
          break;
        case ExpiryKind::kCurrentVersion:
          ++stats.current_versions_expired;
          break;
        case ExpiryKind::kExpiredDeleteMarker:
          ++stats.delete_markers_removed;
          break;
      }
    }
    return {};
  };
  if (std::any_of(rules.begin(), rules.end(), has_version_actions)) {
    VersionListQuery q;
    q.prefix = prefix;
    q.max_keys = kPageSize;
    std::vector<ObjectVersion> key_versions;
    while (true) {
      auto page = store_.list_versions(bucket, q);
      if (!page) return fail(page.error());
      for (auto& v : page->versions) {
        if (stopping_) return {};
        if (!key_versions.empty() && key_versions.front().key != v.key) {
          if (auto r = apply_key(key_versions); !r) return r;
          key_versions.clear();
        }
        key_versions.push_back(std::move(v));
      }
      if (!page->truncated) break;
      q.key_marker = page->next_key_marker;
      q.version_id_marker = page->next_version_id_marker;
    }
    if (auto r = apply_key(key_versions); !r) return r;
  }

  if (std::any_of(rules.begin(), rules.end(),
                  [](const LifecycleRule& r) { return r.abort_upload_days.has_value(); })) {
    UploadListQuery q;
    q.prefix = prefix;
    q.max_uploads = kPageSize;
    while (true) {
      auto page = store_.list_uploads(bucket, q);
      if (!page) return fail(page.error());
      for (const auto& upload : page->uploads) {
        if (stopping_) return {};
        if (!upload_expired(rules, upload.key, upload.initiated_ns, now_ns)) continue;
        auto r = store_.abort_upload(bucket, upload.key, upload.upload_id);
        // Completed or aborted by a client meanwhile: nothing left to do.
        if (!r && r.error().code != StoreErrc::kNoSuchUpload) return r;
        if (r) ++stats.uploads_aborted;
      }
      if (!page->truncated) break;
      q.key_marker = page->next_key_marker;
      q.upload_id_marker = page->next_upload_id_marker;
    }
  }
  return {};
}

}  // namespace moss::store
