// Lifecycle rules and the expiries they cause, once for both metadata stores.
//
// A bucket's rules are one row of JSON (they are read whole, by the S3 layer
// and by the lifecycle worker, and never queried by field; row_codecs.h). An
// expiry re-reads the version it was decided on inside its own write
// transaction, so a client write that happened after the worker looked always
// wins.
//
// Templates over the connection, as metadata_rows.h; each function runs inside
// the caller's transaction. The table is each backend's
// (sqlite_lifecycle.cpp, postgres_schema.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "metadata_rows.h"
#include "moss/store/lifecycle_types.h"
#include "moss/util/clock.h"

namespace moss::store::metadata_rows {

template <class Connection>
StoreResult<int64_t> count_versions(Connection& db, int64_t bucket_id, std::string_view key) {
  auto st = db.prepare("SELECT COUNT(*) FROM versions WHERE bucket_id = ?1 AND key = ?2");
  if (!st) return fail(st.error());
  st->bind(1, bucket_id).bind(2, key);
  auto row = st->step();
  if (!row) return fail(row.error());
  return *row ? st->column_int(0) : int64_t{0};
}

// Whether `v` is the very version `target` was decided on: the same row, not
// a later write that took its (version) id.
inline bool is_target(const std::optional<ObjectVersion>& v, const ExpiryTarget& target) {
  return v && v->row_id == target.row_id && v->version_id == target.version_id;
}

// The body of expire_version, inside its transaction. Leaves `out` empty when
// the version is no longer in the state the expiry was decided on.
template <class Connection>
StoreResult<void> apply_expiry(Connection& db, const Bucket& bucket, const ExpiryTarget& target,
                               DeleteOutcome& out) {
  if (target.kind == ExpiryKind::kNoncurrentVersion) {
    auto v = find_by_version_id(db, bucket.id, target.key, target.version_id);
    if (!v) return fail(v.error());
    if (!is_target(*v, target) || (*v)->is_latest) return {};
    if (auto r = delete_version_row(db, **v, out.released_blobs); !r) return r;
    out.version_id = target.version_id;
    out.delete_marker = (*v)->is_delete_marker;
    return {};
  }

  auto latest = find_latest(db, bucket.id, target.key);
  if (!latest) return fail(latest.error());
  if (!is_target(*latest, target)) return {};

  if (target.kind == ExpiryKind::kCurrentVersion) {
    if ((*latest)->is_delete_marker) return {};
    if (auto r = delete_current(db, bucket, target.key, now_unix_nanos(), out); !r) return r;
    if (!out.delete_marker) out.version_id = target.version_id;
    return {};
  }

  // kExpiredDeleteMarker: a marker with no version left behind it.
  if (!(*latest)->is_delete_marker) return {};
  auto versions = count_versions(db, bucket.id, target.key);
  if (!versions) return fail(versions.error());
  if (*versions != 1) return {};
  if (auto r = delete_version_row(db, **latest, out.released_blobs); !r) return r;
  out.version_id = target.version_id;
  out.delete_marker = true;
  return {};
}

// The body of expire_version: what the expiry did, nothing when the version
// is no longer in the state it was decided on.
template <class Connection>
StoreResult<DeleteOutcome> expire_target(Connection& db, const Bucket& bucket,
                                         const ExpiryTarget& target) {
  DeleteOutcome out;
  if (auto r = apply_expiry(db, bucket, target, out); !r) return fail(r.error());
  return out;
}

// The body of put_lifecycle: replaces the bucket's rules.
template <class Connection>
StoreResult<void> store_lifecycle(Connection& db, int64_t bucket_id,
                                  const std::vector<LifecycleRule>& rules) {
  auto st = db.prepare(
      "INSERT INTO bucket_lifecycle(bucket_id, rules) VALUES(?1, ?2) "
      "ON CONFLICT(bucket_id) DO UPDATE SET rules = excluded.rules");
  if (!st) return fail(st.error());
  st->bind(1, bucket_id).bind(2, rules_to_json(rules).dump());
  return st->run();
}

// The body of get_lifecycle: the bucket's rules; nullopt when it has none.
template <class Connection>
StoreResult<std::optional<std::vector<LifecycleRule>>> read_lifecycle(Connection& db,
                                                                      int64_t bucket_id) {
  using Rules = std::optional<std::vector<LifecycleRule>>;
  auto st = db.prepare("SELECT rules FROM bucket_lifecycle WHERE bucket_id = ?1");
  if (!st) return fail(st.error());
  st->bind(1, bucket_id);
  auto row = st->step();
  if (!row) return fail(row.error());
  if (!*row) return Rules();
  return Rules(rules_from_json(st->column_text(0)));
}

// Removes the bucket's rules (delete_lifecycle, and a deleted bucket's).
template <class Connection>
StoreResult<void> delete_bucket_lifecycle(Connection& db, int64_t bucket_id) {
  auto st = db.prepare("DELETE FROM bucket_lifecycle WHERE bucket_id = ?1");
  if (!st) return fail(st.error());
  st->bind(1, bucket_id);
  return st->run();
}

// The body of list_lifecycle_buckets: the names of the buckets with rules.
template <class Connection>
StoreResult<std::vector<std::string>> lifecycle_bucket_names(Connection& db) {
  auto st = db.prepare(
      "SELECT b.name FROM bucket_lifecycle l JOIN buckets b ON b.id = l.bucket_id ORDER BY b.name");
  if (!st) return fail(st.error());
  return st->collect([](const auto& row) { return row.column_text(0); });
}

}  // namespace moss::store::metadata_rows
