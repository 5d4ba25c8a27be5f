#include "moss/store/postgres_metadata_store.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include <nlohmann/json.hpp>
#include <unordered_map>

#include "moss/store/version_id.h"
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

constexpr const char* kVersionColumns =
    "id, bucket_id, key, version_id, is_latest, is_delete_marker, size, etag, "
    "last_modified_ns, content_sha256, owner, segments, attributes, model_metadata";

ObjectVersion version_from_row(const PgStatement& st) {
  ObjectVersion v;
  st.read_columns(0, v.row_id, v.bucket_id, v.key, v.version_id, v.is_latest, v.is_delete_marker,
                  v.size, v.etag, v.last_modified_ns, v.content_sha256, v.owner);
  v.segments = segments_from_json(st.column_text(11));
  v.attributes = attributes_from_json(st.column_text(12));
  v.model_metadata = st.column_text(13);
  return v;
}

Bucket bucket_from_row(const PgStatement& st) {
  Bucket b;
  st.read_columns(0, b.id, b.name, b.owner, b.created_ns);
  b.versioning = static_cast<VersioningState>(st.column_int(4));
  b.public_read = st.column_int(5) != 0;
  return b;
}

StoreResult<Bucket> find_bucket(PgConnection& db, std::string_view name) {
  auto st = db.prepare(
      "SELECT id, name, owner, created_ns, versioning, public_read FROM buckets WHERE name = ?1");
  if (!st) return fail(st.error());
  st->bind(1, name);
  auto row = st->step();
  if (!row) return fail(row.error());
  if (!*row) return store_fail(StoreErrc::kNoSuchBucket, std::string(name));
  return bucket_from_row(*st);
}

// The version row `sql` (selecting kVersionColumns) finds with `params`, if any.
template <class... Params>
StoreResult<std::optional<ObjectVersion>> find_version(PgConnection& db, const std::string& sql,
                                                       const Params&... params) {
  auto st = db.prepare(sql.c_str());
  if (!st) return fail(st.error());
  st->bind_all(params...);
  return st->first_row(version_from_row);
}

// The latest version row of a key (possibly a delete marker), if any.
StoreResult<std::optional<ObjectVersion>> find_latest(PgConnection& db, int64_t bucket_id,
                                                      std::string_view key) {
  static const std::string sql = std::string("SELECT ") + kVersionColumns +
                                 " FROM versions WHERE bucket_id = ?1 AND key = ?2 AND "
                                 "is_latest = 1";
  return find_version(db, sql, bucket_id, key);
}

StoreResult<std::optional<ObjectVersion>> find_by_version_id(PgConnection& db,
                                                             int64_t bucket_id,
                                                             std::string_view key,
                                                             std::string_view version_id) {
  static const std::string sql = std::string("SELECT ") + kVersionColumns +
                                 " FROM versions WHERE bucket_id = ?1 AND key = ?2 AND "
                                 "version_id = ?3";
  return find_version(db, sql, bucket_id, key, version_id);
}

StoreResult<void> require_referenced(PgConnection& db, const std::vector<BlobSegment>& segments) {
  for (const auto& s : segments) {
    auto st = db.prepare("SELECT 1 FROM blobs WHERE sha256 = ?1 AND refs > 0");
    if (!st) return fail(st.error());
    st->bind(1, s.sha256);
    auto row = st->step();
    if (!row) return fail(row.error());
    if (!*row) return store_fail(StoreErrc::kNoSuchKey, "source was removed");
  }
  return {};
}

StoreResult<void> add_blob_refs(PgConnection& db, const std::vector<BlobSegment>& segments) {
  for (const auto& s : segments) {
    auto st = db.prepare(
        "INSERT INTO blobs(sha256, size, refs) VALUES(?1, ?2, 1) "
        "ON CONFLICT(sha256) DO UPDATE SET refs = blobs.refs + 1");
    if (!st) return fail(st.error());
    st->bind(1, s.sha256).bind(2, static_cast<int64_t>(s.size));
    if (auto r = st->run(); !r) return r;
  }
  return {};
}

// Drops one reference per segment; blobs left unreferenced are deleted from the
// table and appended to `released` (their files go after the commit).
StoreResult<void> release_blob_refs(PgConnection& db, const std::vector<BlobSegment>& segments,
                                    std::vector<std::string>& released) {
  for (const auto& s : segments) {
    auto dec = db.prepare("UPDATE blobs SET refs = refs - 1 WHERE sha256 = ?1 RETURNING refs");
    if (!dec) return fail(dec.error());
    dec->bind(1, s.sha256);
    auto row = dec->step();
    if (!row) return fail(row.error());
    int64_t refs = *row ? dec->column_int(0) : 0;
    dec->reset();
    if (refs <= 0) {
      auto del = db.prepare("DELETE FROM blobs WHERE sha256 = ?1");
      if (!del) return fail(del.error());
      del->bind(1, s.sha256);
      if (auto r = del->run(); !r) return r;
      released.push_back(s.sha256);
    }
  }
  return {};
}

StoreResult<void> delete_version_row(PgConnection& db, const ObjectVersion& v,
                                     std::vector<std::string>& released) {
  auto st = db.prepare("DELETE FROM versions WHERE id = ?1");
  if (!st) return fail(st.error());
  st->bind(1, v.row_id);
  if (auto r = st->run(); !r) return r;
  return release_blob_refs(db, v.segments, released);
}

// A version that stops being the latest records when (`now_ns`), for lifecycle
// rules that count days from then.
StoreResult<void> set_latest(PgConnection& db, int64_t row_id, bool latest, int64_t now_ns) {
  auto st = db.prepare(
      "UPDATE versions SET is_latest = ?2, noncurrent_since_ns = ?3 WHERE id = ?1");
  if (!st) return fail(st.error());
  st->bind(1, row_id).bind(2, int64_t{latest ? 1 : 0}).bind(3, latest ? int64_t{0} : now_ns);
  return st->run();
}

// After the latest version of a key was removed, the newest remaining one
// becomes the latest.
StoreResult<void> promote_newest(PgConnection& db, int64_t bucket_id, std::string_view key) {
  auto st = db.prepare(
      "UPDATE versions SET is_latest = 1, noncurrent_since_ns = 0 WHERE id = "
      "(SELECT id FROM versions WHERE bucket_id = ?1 AND key = ?2 ORDER BY id DESC LIMIT 1)");
  if (!st) return fail(st.error());
  st->bind(1, bucket_id).bind(2, key);
  return st->run();
}

StoreResult<ObjectVersion> insert_version(PgConnection& db, const Bucket& bucket,
                                          const NewVersion& v, std::string version_id,
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
  if (auto r = add_blob_refs(db, v.segments); !r) return fail(r.error());
  return ObjectVersion{.row_id = row_id,
                       .bucket_id = bucket.id,
                       .key = v.key,
                       .version_id = std::move(version_id),
                       .is_latest = true,
                       .is_delete_marker = delete_marker,
                       .size = v.size,
                       .etag = v.etag,
                       .last_modified_ns = v.last_modified_ns,
                       .content_sha256 = v.content_sha256,
                       .owner = v.owner,
                       .segments = v.segments,
                       .attributes = v.attributes,
                       .model_metadata = v.model_metadata};
}

// Makes room for a new latest version of `key`, written at `now_ns`: the
// current latest stops being latest, and in unversioned or suspended buckets
// the existing "null" version (which the new one replaces) is removed.
StoreResult<void> supersede_current(PgConnection& db, const Bucket& bucket,
                                    std::string_view key, const std::optional<ObjectVersion>& current,
                                    int64_t now_ns, std::vector<std::string>& released) {
  bool current_removed = false;
  if (bucket.versioning != VersioningState::kEnabled) {
    auto null_version = find_by_version_id(db, bucket.id, key, "null");
    if (!null_version) return fail(null_version.error());
    if (*null_version) {
      if (auto r = delete_version_row(db, **null_version, released); !r) return r;
      current_removed = current && current->row_id == (*null_version)->row_id;
    }
  }
  if (current && !current_removed) return set_latest(db, current->row_id, false, now_ns);
  return {};
}

StoreResult<void> delete_current(PgConnection& db, const Bucket& bucket, std::string_view key,
                                 int64_t now_ns, DeleteOutcome& out) {
  auto current = find_latest(db, bucket.id, key);
  if (!current) return fail(current.error());
  if (bucket.versioning == VersioningState::kUnversioned) {
    if (!*current) return {};
    return delete_version_row(db, **current, out.released_blobs);
  }
  if (auto r = supersede_current(db, bucket, key, *current, now_ns, out.released_blobs); !r) {
    return r;
  }
  NewVersion marker;
  marker.key = std::string(key);
  marker.last_modified_ns = now_ns;
  std::string id =
      bucket.versioning == VersioningState::kEnabled ? new_version_id() : std::string("null");
  auto inserted = insert_version(db, bucket, marker, id, true);
  if (!inserted) return fail(inserted.error());
  out.version_id = std::move(id);
  out.delete_marker = true;
  return {};
}

StoreResult<CommitOutcome> commit_new_version(PgConnection& db, const Bucket& bucket,
                                              const NewVersion& v, const WritePreconditions& pre) {
  auto current = find_latest(db, bucket.id, v.key);
  if (!current) return fail(current.error());
  if (auto violated = violated_precondition(pre, current->has_value() ? &**current : nullptr)) {
    return store_fail(*violated, v.key);
  }
  if (v.reuses_referenced_blobs) {
    if (auto r = require_referenced(db, v.segments); !r) return fail(r.error());
  }

  CommitOutcome out;
  if (auto r = supersede_current(db, bucket, v.key, *current, v.last_modified_ns,
                                 out.released_blobs);
      !r) {
    return fail(r.error());
  }
  std::string version_id =
      bucket.versioning == VersioningState::kEnabled ? new_version_id() : std::string("null");
  auto inserted = insert_version(db, bucket, v, std::move(version_id), false);
  if (!inserted) return fail(inserted.error());
  // The same bytes written again to the same key (or a copy of an object onto
  // itself) released the blob above and insert_version referenced it anew: its
  // file must stay, or the new version points at nothing.
  std::erase_if(out.released_blobs, [&](const std::string& sha) {
    return std::any_of(v.segments.begin(), v.segments.end(),
                       [&](const BlobSegment& s) { return s.sha256 == sha; });
  });
  out.version = std::move(*inserted);
  return out;
}

}  // namespace postgres_records

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
    return st->collect(bucket_from_row);
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
    DeleteOutcome out;
    if (version_id.empty()) {
      if (auto r = delete_current(db, b, key, now_unix_nanos(), out); !r) return fail(r.error());
      return out;
    }
    auto target = find_by_version_id(db, b.id, key, version_id);
    if (!target) return fail(target.error());
    if (!*target) return out;  // deleting a version that is not there is a no-op
    if (auto r = delete_version_row(db, **target, out.released_blobs); !r) {
      return fail(r.error());
    }
    if ((*target)->is_latest) {
      if (auto r = promote_newest(db, b.id, key); !r) return fail(r.error());
    }
    out.version_id = std::string(version_id);
    out.delete_marker = (*target)->is_delete_marker;
    return out;
  });
}

StoreResult<ListPage> PostgresMetadataStore::list_objects(std::string_view bucket,
                                                        const ListQuery& q) {
  // One snapshot for the whole page, however many index seeks it takes.
  return read_in_bucket(bucket, [&](PgConnection& db, const Bucket& bucket_row) {
    return list_live_objects(db, bucket_row, q);
  });
}

namespace postgres_records {

StoreResult<ListPage> list_live_objects(PgConnection& db, const Bucket& bucket, const ListQuery& q) {
  const Bucket* b = &bucket;
  ListPage page;
  if (q.max_keys <= 0) return page;

  // Scan window [lower, upper): keys with the prefix, after the marker.
  std::string lower = q.prefix;
  if (!q.marker.empty()) {
    std::string after_marker = q.marker;
    after_marker.push_back('\0');  // the smallest string greater than the marker
    if (after_marker > lower) lower = std::move(after_marker);
  }
  const std::string upper = prefix_upper_bound(q.prefix);
  int count = 0;

  while (lower < upper) {
    auto st = db.prepare(kListObjectsSql);
    if (!st) return fail(st.error());
    const int64_t limit = q.max_keys - count + 1;
    st->bind(1, b->id).bind(2, lower).bind(3, upper).bind(4, limit);
    // Model tags live in their own table; a second ordered scan of the same
    // window is merged with this one.
    auto tags = TagKeyCursor::open(db, b->id, lower, upper, limit);
    if (!tags) return fail(tags.error());
    auto object_row = st->step();
    if (!object_row) return fail(object_row.error());
    bool have_object = *object_row;
    bool seeked = false;  // the scan jumped past a common prefix: query again from there
    bool any_row = false;
    while (!seeked) {
      if (!have_object && !tags->valid()) break;
      any_row = true;
      std::string object_key = have_object ? st->column_text(0) : std::string();
      ObjectVersion v;
      bool advance_object = have_object;
      if (tags->valid() && (!have_object || tags->entry().key <= object_key)) {
        v = tags->entry();
        if (auto r = tags->next(); !r) return fail(r.error());
        // A tag key names the tag, even if an object was stored under it.
        advance_object = have_object && object_key == v.key;
      } else {
        v.bucket_id = b->id;
        v.key = object_key;
        st->read_columns(1, v.size, v.etag, v.last_modified_ns, v.owner);
        v.is_latest = true;
      }
      if (advance_object) {
        auto row = st->step();
        if (!row) return fail(row.error());
        have_object = *row;
      }
      std::string key = v.key;
      if (auto common = common_prefix_of(key, q.prefix, q.delimiter)) {
        lower = prefix_upper_bound(*common);
        seeked = true;
        if (!q.marker.empty() && *common <= q.marker) continue;
        if (page_is_full(page, count, q.max_keys)) return page;
        page.common_prefixes.push_back(*common);
        page.next_marker = std::move(*common);
        ++count;
        continue;
      }
      if (page_is_full(page, count, q.max_keys)) return page;
      page.next_marker = key;
      lower = std::move(key);
      lower.push_back('\0');
      page.objects.push_back(std::move(v));
      ++count;
    }
    if (!any_row) break;
  }
  return page;
}

}  // namespace postgres_records

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
