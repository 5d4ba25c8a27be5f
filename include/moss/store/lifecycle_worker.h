// Applies every bucket's lifecycle rules (lifecycle_policy.h): expires
// versions and delete markers and aborts stale multipart uploads. It also
// ends the retention of snapshots no tag holds any more (snapshot_types.h):
// their blob references are released once they were let go longer ago than
// `snapshot_retention` (moss serve --snapshot-retention). `moss serve`
// runs it on a PeriodicTask (--lifecycle-interval) and on demand
// (POST /_moss/lifecycle/run); see docs/versioning.md.
//
// Every change goes through ObjectStore, under its mutex, and re-checks the
// version it was decided on inside its own transaction: a blob file is removed
// exactly when its last reference (a version, a part, a model tag) goes, and a
// client write made while the worker was looking always wins. Thread-safe;
// runs are serialized.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "moss/store/object_store.h"
#include "moss/util/mutex.h"

namespace moss::store {

struct LifecycleRunStats {
  int64_t now_ns = 0;  // the worker's clock the run applied the rules at
  size_t buckets = 0;  // buckets with a lifecycle configuration
  size_t noncurrent_versions_expired = 0;
  // Current versions expired: a delete marker added, or (unversioned bucket)
  // the object removed.
  size_t current_versions_expired = 0;
  size_t delete_markers_removed = 0;
  size_t uploads_aborted = 0;
  size_t snapshots_released = 0;  // snapshots whose retention ended
  size_t blobs_released = 0;      // blob files removed by the expiries and those releases
};

inline constexpr std::chrono::hours kDefaultSnapshotRetention{24};

class LifecycleWorker {
 public:
  // `clock_offset` moves the worker's clock ahead of the wall clock, so a test
  // (or an operator rehearsing a policy) sees what a later run would do.
  explicit LifecycleWorker(
      ObjectStore& store, std::chrono::milliseconds clock_offset = std::chrono::milliseconds(0),
      std::chrono::milliseconds snapshot_retention = kDefaultSnapshotRetention);

  // Wall clock + offset, in Unix nanoseconds.
  int64_t now_ns() const;

  // One pass over every bucket with a lifecycle configuration as of now_ns(),
  // then the release of snapshots let go before now_ns() - snapshot_retention.
  // A bucket deleted meanwhile is skipped; any other failure ends the run
  // (the next run starts over, and every step it repeats is idempotent).
  StoreResult<LifecycleRunStats> run();
  StoreResult<LifecycleRunStats> run_at(int64_t now_ns);

  // Ends a run in progress at its next key (what it did stays done) and makes
  // later runs do nothing: the server is shutting down.
  void stop() { stopping_ = true; }

  // Tests only, set before a run: called with a key's name after its versions
  // were read and expiries planned, before they are applied. A write it makes
  // is one a client could make at that moment, and must survive the run.
  void set_before_expiries_hook(std::function<void(const std::string& key)> hook) {
    before_expiries_ = std::move(hook);
  }

 private:
  StoreResult<void> apply_to_bucket(const std::string& bucket, int64_t now_ns,
                                    LifecycleRunStats& stats) REQUIRES(run_mutex_);

  ObjectStore& store_;
  std::chrono::milliseconds clock_offset_;
  std::chrono::milliseconds snapshot_retention_;
  Mutex run_mutex_;  // one run at a time
  std::atomic<bool> stopping_{false};
  std::function<void(const std::string& key)> before_expiries_;
};

}  // namespace moss::store
