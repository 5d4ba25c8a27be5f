#include "moss/store/postgres_metadata_store.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include <nlohmann/json.hpp>
#include <unordered_map>

#include "moss/util/clock.h"
#include "postgres_records.h"

namespace moss::store {
// Shared with the other postgres_*.cpp files (postgres_records.h declares them).
namespace postgres_records {

// ListObjects: an ordered scan of the live_objects partial index.
constexpr const char* kListObjectsSql =
    "SELECT key, size, etag, last_modified_ns, owner FROM versions "
    "WHERE bucket_id = ?1 AND is_latest = 1 AND is_delete_marker = 0 "
    "AND key >= ?2 AND key < ?3 ORDER BY key LIMIT ?4";

}  // namespace postgres_records

// Ids come from the versions table's identity column, never reused.
StoreResult<int64_t> metadata_rows::insert_version_row(PgConnection& db, const Bucket& bucket,
                                                       const NewVersion& v,
                                                       const std::string& version_id,
                                                       bool delete_marker) {
  auto st = db.prepare(
      "INSERT INTO versions(bucket_id, key, version_id, is_latest, is_delete_marker, size, etag, "
      "last_modified_ns, content_sha256, owner, segments, attributes, model_metadata) "
      "VALUES(?1, ?2, ?3, 1, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) RETURNING id");
  if (!st) return fail(st.error());
  st->bind_all(bucket.id, v.key, version_id, int64_t{delete_marker ? 1 : 0},
               static_cast<int64_t>(v.size), v.etag, v.last_modified_ns, v.content_sha256, v.owner,
               segments_to_json(v.segments).dump(), attributes_to_json(v.attributes).dump(),
               v.model_metadata);
  auto row = st->step();
  if (!row) return fail(row.error());
  const int64_t row_id = st->column_int(0);
  st->reset();
  return row_id;
}

using namespace postgres_records;

StoreResult<std::unique_ptr<PostgresMetadataStore>> PostgresMetadataStore::open(
    const std::string& dsn) {
  std::unique_ptr<PostgresMetadataStore> store(new PostgresMetadataStore(dsn));
  auto lease = store->connection();
  if (!lease) return fail(lease.error());
  if (auto r = migrate_schema(**lease); !r) return fail(r.error());
  return store;
}

StoreResult<PostgresMetadataStore::ConnectionLease> PostgresMetadataStore::connection() {
  {
    MutexLock lock(pool_mutex_);
    if (!idle_.empty()) {
      auto conn = std::move(idle_.back());
      idle_.pop_back();
      return ConnectionLease(this, std::move(conn));
    }
  }
  auto conn = PgConnection::open(dsn_);
  if (!conn) return fail(conn.error());
  return ConnectionLease(this, std::move(*conn));
}

StoreResult<PostgresMetadataStore::ConnectionLease> PostgresMetadataStore::connection_in_transaction(
    const char* begin_sql) {
  while (true) {
    bool pooled = false;
    {
      MutexLock lock(pool_mutex_);
      pooled = !idle_.empty();
    }
    auto lease = connection();
    if (!lease) return fail(lease.error());
    auto begun = (**lease).exec(begin_sql);
    if (begun) return lease;
    // Nothing ran yet, so trying a fresh connection is safe; a new connection
    // that cannot begin is the answer.
    lease->discard();
    if (!pooled || begun.error().code != StoreErrc::kUnavailable) return fail(begun.error());
  }
}

StoreResult<void> PostgresMetadataStore::check_available() {
  return read([](PgConnection& db) -> StoreResult<void> {
    auto st = db.prepare("SELECT 1");
    if (!st) return fail(st.error());
    return st->run();
  });
}

bool PostgresMetadataStore::hold_background_lock() {
  // An arbitrary constant naming the background-work lock.
  static constexpr const char* kTryLockSql = "SELECT pg_try_advisory_lock(7170361250091711002)";
  MutexLock lock(leader_mutex_);
  if (leader_) {
    // The lock lasts as long as the session: make sure it is still there.
    if (leader_->exec("SELECT 1")) return true;
    leader_.reset();
  }
  auto conn = PgConnection::open(dsn_);
  if (!conn) return false;
  auto st = (*conn)->prepare(kTryLockSql);
  if (!st) return false;
  auto row = st->step();
  if (!row || !*row || st->column_text(0) != "t") return false;
  leader_ = std::move(*conn);
  spdlog::info("this replica now runs the background work (lifecycle, upload expiry, blob "
               "garbage collection)");
  return true;
}

StoreResult<Bucket> PostgresMetadataStore::create_bucket(const std::string& name,
                                                       const std::string& owner, int64_t now_ns) {
  return write([&](PgConnection& db) -> StoreResult<Bucket> {
    auto existing = find_bucket(db, name);
    if (existing) {
      return store_fail(existing->owner == owner ? StoreErrc::kBucketAlreadyOwnedByYou
                                                 : StoreErrc::kBucketAlreadyExists,
                        name);
    }
    if (existing.error().code != StoreErrc::kNoSuchBucket) return fail(existing.error());
    auto st = db.prepare(
        "INSERT INTO buckets(name, owner, created_ns, versioning) VALUES(?1, ?2, ?3, 0) "
        "RETURNING id");
    if (!st) return fail(st.error());
    st->bind(1, name).bind(2, owner).bind(3, now_ns);
    auto row = st->step();
    if (!row) return fail(row.error());
    Bucket b{st->column_int(0), name, owner, now_ns, VersioningState::kUnversioned};
    st->reset();
    return b;
  });
}

StoreResult<Bucket> PostgresMetadataStore::get_bucket(std::string_view name) {
  return read([&](PgConnection& db) { return find_bucket(db, name); });
}

StoreResult<std::vector<Bucket>> PostgresMetadataStore::list_buckets() {
  return read([](PgConnection& db) -> StoreResult<std::vector<Bucket>> {
    auto st = db.prepare(
        "SELECT id, name, owner, created_ns, versioning, public_read FROM buckets ORDER BY name");
    if (!st) return fail(st.error());
    return st->collect([](const PgStatement& row) { return bucket_from_row(row); });
  });
}

StoreResult<std::vector<std::string>> PostgresMetadataStore::delete_bucket(std::string_view name) {
  using Released = std::vector<std::string>;
  return write_in_bucket(name, [&](PgConnection& db, const Bucket& b) -> StoreResult<Released> {
    auto any = db.prepare("SELECT 1 FROM versions WHERE bucket_id = ?1 LIMIT 1");
    if (!any) return fail(any.error());
    any->bind(1, b.id);
    auto row = any->step();
    if (!row) return fail(row.error());
    if (*row) return store_fail(StoreErrc::kBucketNotEmpty, std::string(name));
    any->reset();
    auto tags = bucket_has_tags(db, b.id);
    if (!tags) return fail(tags.error());
    if (*tags) return store_fail(StoreErrc::kBucketNotEmpty, std::string(name));
    // Uploads in progress do not keep a bucket alive (S3 deletes it and
    // discards them): their parts go with it, in this same transaction.
    Released released;
    if (auto r = remove_bucket_uploads(db, b.id, released); !r) return fail(r.error());
    if (auto r = delete_bucket_tag_history(db, b.id); !r) return fail(r.error());
    if (auto r = delete_bucket_snapshots(db, b.id, released); !r) return fail(r.error());
    if (auto r = delete_bucket_lifecycle(db, b.id); !r) return fail(r.error());
    auto completed = db.prepare("DELETE FROM completed_uploads WHERE bucket_id = ?1");
    if (!completed) return fail(completed.error());
    completed->bind(1, b.id);
    if (auto r = completed->run(); !r) return fail(r.error());
    auto del = db.prepare("DELETE FROM buckets WHERE id = ?1");
    if (!del) return fail(del.error());
    del->bind(1, b.id);
    if (auto r = del->run(); !r) return fail(r.error());
    return released;
  });
}

StoreResult<void> PostgresMetadataStore::set_versioning(std::string_view bucket,
                                                      VersioningState state) {
  return write_in_bucket(bucket, [&](PgConnection& db, const Bucket& b) -> StoreResult<void> {
    auto st = db.prepare("UPDATE buckets SET versioning = ?2 WHERE id = ?1");
    if (!st) return fail(st.error());
    st->bind(1, b.id).bind(2, static_cast<int64_t>(state));
    return st->run();
  });
}

// No cache of versions here, unlike the SQLite store: another replica may
// commit at any time, and one indexed lookup is what a cache would save.
StoreResult<ObjectVersion> PostgresMetadataStore::get_version(std::string_view bucket,
                                                              std::string_view key,
                                                              std::string_view version_id) {
  return read_in_bucket(bucket, [&](PgConnection& db, const Bucket& b) -> StoreResult<ObjectVersion> {
    auto v = version_id.empty() ? find_latest(db, b.id, key)
                                : find_by_version_id(db, b.id, key, version_id);
    if (!v) return fail(v.error());
    if (!*v) {
      return store_fail(version_id.empty() ? StoreErrc::kNoSuchKey : StoreErrc::kNoSuchVersion,
                        std::string(key));
    }
    (*v)->bucket_versioning = b.versioning;
    return std::move(**v);
  });
}

StoreResult<CommitOutcome> PostgresMetadataStore::commit_version(std::string_view bucket,
                                                               const NewVersion& v,
                                                               const WritePreconditions& pre) {
  return write_in_bucket(bucket, [&](PgConnection& db, const Bucket& b) {
    return commit_new_version(db, b, v, pre);
  });
}

StoreResult<DeleteOutcome> PostgresMetadataStore::delete_object(std::string_view bucket,
                                                              std::string_view key,
                                                              std::string_view version_id) {
  using Outcome = StoreResult<DeleteOutcome>;
  return write_in_bucket(bucket, [&](PgConnection& db, const Bucket& b) -> Outcome {
    if (!version_id.empty()) return delete_version(db, b, key, version_id);
    DeleteOutcome out;
    if (auto r = delete_current(db, b, key, now_unix_nanos(), out); !r) return fail(r.error());
    return out;
  });
}

StoreResult<ListPage> PostgresMetadataStore::list_objects(std::string_view bucket,
                                                        const ListQuery& q) {
  // One snapshot for the whole page, however many index seeks it takes.
  return read_in_bucket(bucket, [&](PgConnection& db, const Bucket& bucket_row) {
    return list_live_objects(db, bucket_row, q, kListObjectsSql);
  });
}

StoreResult<bool> PostgresMetadataStore::blob_referenced(const std::string& sha256_hex) {
  return read([&](PgConnection& db) -> StoreResult<bool> {
    auto st = db.prepare("SELECT refs FROM blobs WHERE sha256 = ?1");
    if (!st) return fail(st.error());
    st->bind(1, sha256_hex);
    auto row = st->step();
    if (!row) return fail(row.error());
    return *row && st->column_int(0) > 0;
  });
}

}  // namespace moss::store
