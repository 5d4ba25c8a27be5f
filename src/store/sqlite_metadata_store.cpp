#include "moss/store/sqlite_metadata_store.h"

#include <algorithm>

#include <nlohmann/json.hpp>
#include <unordered_map>

#include "moss/util/clock.h"
#include "sqlite_records.h"

namespace moss::store {
// Shared with sqlite_multipart.cpp (sqlite_records.h declares what it uses).
namespace sqlite_records {

// Schema version 2. Keys are TEXT compared with the BINARY collation (memcmp),
// which is UTF-8 byte order, the order S3 lists in. Every statement is
// idempotent, so opening a database of an earlier version brings it up to
// date: version 2 added version_row_ids.
constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS buckets(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  owner TEXT NOT NULL,
  created_ns INTEGER NOT NULL,
  versioning INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS blobs(
  sha256 TEXT PRIMARY KEY,
  size INTEGER NOT NULL,
  refs INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS versions(
  id INTEGER PRIMARY KEY,
  bucket_id INTEGER NOT NULL REFERENCES buckets(id),
  key TEXT NOT NULL,
  version_id TEXT NOT NULL,
  is_latest INTEGER NOT NULL,
  is_delete_marker INTEGER NOT NULL,
  size INTEGER NOT NULL,
  etag TEXT NOT NULL,
  last_modified_ns INTEGER NOT NULL,
  content_sha256 TEXT NOT NULL,
  owner TEXT NOT NULL,
  segments TEXT NOT NULL,
  attributes TEXT NOT NULL,
  model_metadata TEXT NOT NULL DEFAULT '',
  -- When the version stopped being the latest (lifecycle NoncurrentDays); 0 while it is.
  noncurrent_since_ns INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS versions_by_key ON versions(bucket_id, key, id);
CREATE UNIQUE INDEX IF NOT EXISTS versions_by_version_id ON versions(bucket_id, key, version_id);
CREATE UNIQUE INDEX IF NOT EXISTS latest_versions ON versions(bucket_id, key) WHERE is_latest = 1;
-- Covers ListObjects: the scan never touches the table. The flags are index
-- columns as well as its condition because SQLite counts a column the query
-- names as needed even when the partial index's condition implies its value.
CREATE INDEX IF NOT EXISTS live_objects
  ON versions(bucket_id, key, size, etag, last_modified_ns, owner, is_latest, is_delete_marker)
  WHERE is_latest = 1 AND is_delete_marker = 0;
-- The highest versions.id ever assigned. SQLite gives a new row the highest id
-- in the table plus one, so a version removed as the newest row (an overwrite
-- of a "null" version removes it before inserting its successor) would hand
-- its id to the next: the background workers' compare-and-delete and the
-- content hasher tell versions apart by id, and so the id is never reused.
-- One row, seeded from the table when the database predates it.
CREATE TABLE IF NOT EXISTS version_row_ids(last_id INTEGER NOT NULL);
INSERT INTO version_row_ids(last_id)
  SELECT COALESCE(MAX(id), 0) FROM versions WHERE NOT EXISTS (SELECT 1 FROM version_row_ids);
)sql";

// The migrations from each schema version to the next, in order: entry i
// takes a database at user_version i + 1 to i + 2. A new database is made at
// version 1 by kSchema and then migrated like an old one, so both end alike.
constexpr const char* kMigrations[] = {
    // 2: the bucket's canned ACL (Bucket::public_read). An object version's is
    // in its attributes.
    "ALTER TABLE buckets ADD COLUMN public_read INTEGER NOT NULL DEFAULT 0;",
};
constexpr int kSchemaVersion = 1 + static_cast<int>(std::size(kMigrations));

StoreResult<void> migrate_schema(SqliteConnection& db) {
  auto st = db.prepare("PRAGMA user_version");
  if (!st) return fail(st.error());
  auto row = st->step();
  if (!row) return fail(row.error());
  int version = *row ? static_cast<int>(st->column_int(0)) : 0;
  st->reset();
  if (version > kSchemaVersion) {
    return store_fail(StoreErrc::kIo, "the database has schema version " +
                                          std::to_string(version) + ", newer than this moss (" +
                                          std::to_string(kSchemaVersion) + ")");
  }
  // Before user_version existed, kSchema's tables were version 1.
  version = std::max(version, 1);
  for (; version < kSchemaVersion; ++version) {
    const std::string step = std::string("BEGIN IMMEDIATE;") + kMigrations[version - 1] +
                             "PRAGMA user_version = " + std::to_string(version + 1) + ";COMMIT;";
    if (auto r = db.exec(step.c_str()); !r) {
      (void)db.exec("ROLLBACK;");
      return r;
    }
  }
  return db.exec(("PRAGMA user_version = " + std::to_string(kSchemaVersion) + ";").c_str());
}

// The id of a version about to be inserted: above every id ever assigned
// (version_row_ids), and above every id in the table in case a binary that
// predates the counter wrote rows since.
StoreResult<int64_t> next_version_row_id(SqliteConnection& db) {
  auto st = db.prepare(
      "UPDATE version_row_ids SET last_id = MAX(last_id, "
      "(SELECT COALESCE(MAX(id), 0) FROM versions)) + 1 RETURNING last_id");
  if (!st) return fail(st.error());
  auto row = st->step();
  if (!row) return fail(row.error());
  if (!*row) return store_fail(StoreErrc::kIo, "version_row_ids has no row");
  const int64_t id = st->column_int(0);
  st->reset();
  return id;
}

}  // namespace sqlite_records

// Ids come from version_row_ids (next_version_row_id), never reused.
StoreResult<int64_t> metadata_rows::insert_version_row(SqliteConnection& db, const Bucket& bucket,
                                                       const NewVersion& v,
                                                       const std::string& version_id,
                                                       bool delete_marker) {
  auto row_id = sqlite_records::next_version_row_id(db);
  if (!row_id) return fail(row_id.error());
  auto st = db.prepare(
      "INSERT INTO versions(id, bucket_id, key, version_id, is_latest, is_delete_marker, size, "
      "etag, last_modified_ns, content_sha256, owner, segments, attributes, model_metadata) "
      "VALUES(?1, ?2, ?3, ?4, 1, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)");
  if (!st) return fail(st.error());
  st->bind_all(*row_id, bucket.id, v.key, version_id, int64_t{delete_marker ? 1 : 0},
               static_cast<int64_t>(v.size), v.etag, v.last_modified_ns, v.content_sha256, v.owner,
               segments_to_json(v.segments).dump(), attributes_to_json(v.attributes).dump(),
               v.model_metadata);
  if (auto r = st->run(); !r) return fail(r.error());
  return row_id;
}

using namespace sqlite_records;

StoreResult<std::unique_ptr<SqliteMetadataStore>> SqliteMetadataStore::open(
    const std::string& path) {
  std::unique_ptr<SqliteMetadataStore> store(new SqliteMetadataStore(path));
  auto writer = SqliteConnection::open(path, false);
  if (!writer) return fail(writer.error());
  MutexLock lock(store->writer_mutex_);  // not yet shared; for the lock analysis
  store->writer_ = std::move(*writer);
  store->writer_->count_commits_in(&store->commits_);
  if (auto r = store->writer_->exec(kSchema); !r) return fail(r.error());
  if (auto r = migrate_schema(*store->writer_); !r) return fail(r.error());
  if (auto r = create_multipart_tables(*store->writer_); !r) return fail(r.error());
  if (auto r = create_tag_tables(*store->writer_); !r) return fail(r.error());
  if (auto r = create_snapshot_tables(*store->writer_); !r) return fail(r.error());
  if (auto r = create_lifecycle_tables(*store->writer_); !r) return fail(r.error());
  return store;
}

StoreResult<SqliteMetadataStore::ReaderLease> SqliteMetadataStore::reader() {
  {
    MutexLock lock(readers_mutex_);
    if (!idle_readers_.empty()) {
      auto conn = std::move(idle_readers_.back());
      idle_readers_.pop_back();
      return ReaderLease(this, std::move(conn));
    }
  }
  auto conn = SqliteConnection::open(path_, true);
  if (!conn) return fail(conn.error());
  return ReaderLease(this, std::move(*conn));
}

StoreResult<Bucket> SqliteMetadataStore::create_bucket(const std::string& name,
                                                       const std::string& owner, int64_t now_ns) {
  return write([&](SqliteConnection& db) -> StoreResult<Bucket> {
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

StoreResult<Bucket> SqliteMetadataStore::get_bucket(std::string_view name) {
  auto db = reader();
  if (!db) return fail(db.error());
  return find_bucket(**db, name);
}

StoreResult<std::vector<Bucket>> SqliteMetadataStore::list_buckets() {
  auto db = reader();
  if (!db) return fail(db.error());
  auto st = (**db).prepare(
      "SELECT id, name, owner, created_ns, versioning, public_read FROM buckets ORDER BY name");
  if (!st) return fail(st.error());
  return st->collect([](const SqliteStatement& row) { return bucket_from_row(row); });
}

StoreResult<std::vector<std::string>> SqliteMetadataStore::delete_bucket(std::string_view name) {
  using Released = std::vector<std::string>;
  return write_in_bucket(name, [&](SqliteConnection& db, const Bucket& b) -> StoreResult<Released> {
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
    auto del = db.prepare("DELETE FROM buckets WHERE id = ?1");
    if (!del) return fail(del.error());
    del->bind(1, b.id);
    if (auto r = del->run(); !r) return fail(r.error());
    return released;
  });
}

StoreResult<void> SqliteMetadataStore::set_versioning(std::string_view bucket,
                                                      VersioningState state) {
  return write_in_bucket(bucket, [&](SqliteConnection& db, const Bucket& b) -> StoreResult<void> {
    auto st = db.prepare("UPDATE buckets SET versioning = ?2 WHERE id = ?1");
    if (!st) return fail(st.error());
    st->bind(1, b.id).bind(2, static_cast<int64_t>(state));
    return st->run();
  });
}

StoreResult<ObjectVersion> SqliteMetadataStore::get_version(std::string_view bucket,
                                                            std::string_view key,
                                                            std::string_view version_id) {
  struct Entry {
    uint64_t generation;
    ObjectVersion version;
  };
  constexpr size_t kMaxEntries = 4096;
  thread_local const SqliteMetadataStore* owner = nullptr;
  thread_local std::unordered_map<std::string, Entry> cache;
  if (owner != this) {
    cache.clear();
    owner = this;
  }
  std::string cache_key;
  cache_key.reserve(bucket.size() + key.size() + version_id.size() + 2);
  cache_key.append(bucket).append(1, '\0').append(key).append(1, '\0').append(version_id);

  // Read the generation before the database: a commit after this point makes
  // the entry stale at once, whichever snapshot the read below sees.
  const uint64_t generation = commits_.load(std::memory_order_acquire);
  if (auto it = cache.find(cache_key); it != cache.end() && it->second.generation == generation) {
    return it->second.version;
  }
  auto version = read_version(bucket, key, version_id);
  if (version) {
    if (cache.size() >= kMaxEntries) cache.clear();
    cache.insert_or_assign(std::move(cache_key), Entry{generation, *version});
  }
  return version;
}

StoreResult<ObjectVersion> SqliteMetadataStore::read_version(std::string_view bucket,
                                                             std::string_view key,
                                                             std::string_view version_id) {
  auto db = reader();
  if (!db) return fail(db.error());
  SqliteReadTransaction snapshot(**db);
  auto b = find_bucket(**db, bucket);
  if (!b) return fail(b.error());
  auto v = version_id.empty() ? find_latest(**db, b->id, key)
                              : find_by_version_id(**db, b->id, key, version_id);
  if (!v) return fail(v.error());
  if (!*v) {
    return store_fail(version_id.empty() ? StoreErrc::kNoSuchKey : StoreErrc::kNoSuchVersion,
                      std::string(key));
  }
  (*v)->bucket_versioning = b->versioning;
  return std::move(**v);
}

StoreResult<CommitOutcome> SqliteMetadataStore::commit_version(std::string_view bucket,
                                                               const NewVersion& v,
                                                               const WritePreconditions& pre) {
  return write_in_bucket(bucket, [&](SqliteConnection& db, const Bucket& b) {
    return commit_new_version(db, b, v, pre);
  });
}

StoreResult<DeleteOutcome> SqliteMetadataStore::delete_object(std::string_view bucket,
                                                              std::string_view key,
                                                              std::string_view version_id) {
  using Outcome = StoreResult<DeleteOutcome>;
  return write_in_bucket(bucket, [&](SqliteConnection& db, const Bucket& b) -> Outcome {
    if (!version_id.empty()) return delete_version(db, b, key, version_id);
    DeleteOutcome out;
    if (auto r = delete_current(db, b, key, now_unix_nanos(), out); !r) return fail(r.error());
    return out;
  });
}

StoreResult<ListPage> SqliteMetadataStore::list_objects(std::string_view bucket,
                                                        const ListQuery& q) {
  auto lease = reader();
  if (!lease) return fail(lease.error());
  auto& db = **lease;
  // One snapshot for the whole page, however many index seeks it takes.
  SqliteReadTransaction snapshot(db);
  auto b = find_bucket(db, bucket);
  if (!b) return fail(b.error());

  return list_live_objects(db, *b, q, kListObjectsSql);
}

const char* const SqliteMetadataStore::kListObjectsSql =
    "SELECT key, size, etag, last_modified_ns, owner FROM versions INDEXED BY live_objects "
    "WHERE bucket_id = ?1 AND is_latest = 1 AND is_delete_marker = 0 "
    "AND key >= ?2 AND key < ?3 ORDER BY key LIMIT ?4";

StoreResult<bool> SqliteMetadataStore::blob_referenced(const std::string& sha256_hex) {
  auto lease = reader();
  if (!lease) return fail(lease.error());
  auto st = (**lease).prepare("SELECT refs FROM blobs WHERE sha256 = ?1");
  if (!st) return fail(st.error());
  st->bind(1, sha256_hex);
  auto row = st->step();
  if (!row) return fail(row.error());
  return *row && st->column_int(0) > 0;
}

}  // namespace moss::store
