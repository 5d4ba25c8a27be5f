#include "moss/store/sqlite_metadata_store.h"

#include <algorithm>

#include <nlohmann/json.hpp>
#include <unordered_map>

#include "moss/store/version_id.h"
#include "moss/util/clock.h"
#include "sqlite_records.h"

namespace moss::store {
// Shared with sqlite_multipart.cpp (sqlite_records.h declares what it uses).
namespace sqlite_records {

using json = nlohmann::json;

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

constexpr const char* kVersionColumns =
    "id, bucket_id, key, version_id, is_latest, is_delete_marker, size, etag, "
    "last_modified_ns, content_sha256, owner, segments, attributes, model_metadata";

// Greater than every valid UTF-8 string that starts with the given prefix:
// 0xFF never occurs in UTF-8.
std::optional<std::string> common_prefix_of(std::string_view key, std::string_view prefix,
                                            std::string_view delimiter) {
  if (delimiter.empty()) return std::nullopt;
  const auto pos = key.find(delimiter, prefix.size());
  if (pos == std::string_view::npos) return std::nullopt;
  return std::string(key.substr(0, pos + delimiter.size()));
}

std::string prefix_upper_bound(std::string_view prefix) {
  std::string s(prefix);
  s.push_back('\xff');
  return s;
}

json segments_to_json(const std::vector<BlobSegment>& segments) {
  json arr = json::array();
  for (const auto& s : segments) {
    json o = {{"sha256", s.sha256}, {"size", s.size}};
    if (s.part_number) o["part"] = s.part_number;
    if (!s.part_etag.empty()) o["etag"] = s.part_etag;
    if (!s.part_checksum.empty()) o["checksum"] = s.part_checksum;
    arr.push_back(std::move(o));
  }
  return arr;
}

std::vector<BlobSegment> segments_from_json(const std::string& text) {
  std::vector<BlobSegment> out;
  json arr = json::parse(text, nullptr, false);
  if (!arr.is_array()) return out;
  for (const auto& o : arr) {
    BlobSegment s;
    s.sha256 = o.value("sha256", "");
    s.size = o.value("size", uint64_t{0});
    s.part_number = o.value("part", 0);
    s.part_etag = o.value("etag", "");
    s.part_checksum = o.value("checksum", "");
    out.push_back(std::move(s));
  }
  return out;
}

json attributes_to_json(const ObjectAttributes& a) {
  json o = json::object();
  auto put = [&](const char* name, const std::string& v) {
    if (!v.empty()) o[name] = v;
  };
  put("content_type", a.content_type);
  put("content_encoding", a.content_encoding);
  put("content_disposition", a.content_disposition);
  put("content_language", a.content_language);
  put("cache_control", a.cache_control);
  put("expires", a.expires);
  put("checksum_type", a.checksum_type);
  if (!a.user_metadata.empty()) {
    json meta = json::array();
    for (const auto& [k, v] : a.user_metadata) meta.push_back({k, v});
    o["user_metadata"] = std::move(meta);
  }
  if (!a.checksums.empty()) o["checksums"] = a.checksums;
  if (a.public_read) o["acl"] = "public-read";
  return o;
}

ObjectAttributes attributes_from_json(const std::string& text) {
  ObjectAttributes a;
  json o = json::parse(text, nullptr, false);
  if (!o.is_object()) return a;
  a.content_type = o.value("content_type", "");
  a.content_encoding = o.value("content_encoding", "");
  a.content_disposition = o.value("content_disposition", "");
  a.content_language = o.value("content_language", "");
  a.cache_control = o.value("cache_control", "");
  a.expires = o.value("expires", "");
  a.checksum_type = o.value("checksum_type", "");
  if (auto it = o.find("user_metadata"); it != o.end() && it->is_array()) {
    for (const auto& pair : *it) {
      if (pair.is_array() && pair.size() == 2) {
        a.user_metadata.emplace_back(pair[0].get<std::string>(), pair[1].get<std::string>());
      }
    }
  }
  if (auto it = o.find("checksums"); it != o.end() && it->is_object()) {
    a.checksums = it->get<std::map<std::string, std::string>>();
  }
  a.public_read = o.value("acl", "") == "public-read";
  return a;
}

ObjectVersion version_from_row(const SqliteStatement& st) {
  ObjectVersion v;
  st.read_columns(0, v.row_id, v.bucket_id, v.key, v.version_id, v.is_latest, v.is_delete_marker,
                  v.size, v.etag, v.last_modified_ns, v.content_sha256, v.owner);
  v.segments = segments_from_json(st.column_text(11));
  v.attributes = attributes_from_json(st.column_text(12));
  v.model_metadata = st.column_text(13);
  return v;
}

Bucket bucket_from_row(const SqliteStatement& st) {
  Bucket b;
  st.read_columns(0, b.id, b.name, b.owner, b.created_ns);
  b.versioning = static_cast<VersioningState>(st.column_int(4));
  b.public_read = st.column_int(5) != 0;
  return b;
}

StoreResult<Bucket> find_bucket(SqliteConnection& db, std::string_view name) {
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
StoreResult<std::optional<ObjectVersion>> find_version(SqliteConnection& db, const std::string& sql,
                                                       const Params&... params) {
  auto st = db.prepare(sql.c_str());
  if (!st) return fail(st.error());
  st->bind_all(params...);
  return st->first_row(version_from_row);
}

// The latest version row of a key (possibly a delete marker), if any.
StoreResult<std::optional<ObjectVersion>> find_latest(SqliteConnection& db, int64_t bucket_id,
                                                      std::string_view key) {
  static const std::string sql = std::string("SELECT ") + kVersionColumns +
                                 " FROM versions WHERE bucket_id = ?1 AND key = ?2 AND "
                                 "is_latest = 1";
  return find_version(db, sql, bucket_id, key);
}

StoreResult<std::optional<ObjectVersion>> find_by_version_id(SqliteConnection& db,
                                                             int64_t bucket_id,
                                                             std::string_view key,
                                                             std::string_view version_id) {
  static const std::string sql = std::string("SELECT ") + kVersionColumns +
                                 " FROM versions WHERE bucket_id = ?1 AND key = ?2 AND "
                                 "version_id = ?3";
  return find_version(db, sql, bucket_id, key, version_id);
}

StoreResult<void> require_referenced(SqliteConnection& db, const std::vector<BlobSegment>& segments) {
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

StoreResult<void> add_blob_refs(SqliteConnection& db, const std::vector<BlobSegment>& segments) {
  for (const auto& s : segments) {
    auto st = db.prepare(
        "INSERT INTO blobs(sha256, size, refs) VALUES(?1, ?2, 1) "
        "ON CONFLICT(sha256) DO UPDATE SET refs = refs + 1");
    if (!st) return fail(st.error());
    st->bind(1, s.sha256).bind(2, static_cast<int64_t>(s.size));
    if (auto r = st->run(); !r) return r;
  }
  return {};
}

// Drops one reference per segment; blobs left unreferenced are deleted from the
// table and appended to `released` (their files go after the commit).
StoreResult<void> release_blob_refs(SqliteConnection& db, const std::vector<BlobSegment>& segments,
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

StoreResult<void> delete_version_row(SqliteConnection& db, const ObjectVersion& v,
                                     std::vector<std::string>& released) {
  auto st = db.prepare("DELETE FROM versions WHERE id = ?1");
  if (!st) return fail(st.error());
  st->bind(1, v.row_id);
  if (auto r = st->run(); !r) return r;
  return release_blob_refs(db, v.segments, released);
}

// A version that stops being the latest records when (`now_ns`), for lifecycle
// rules that count days from then.
StoreResult<void> set_latest(SqliteConnection& db, int64_t row_id, bool latest, int64_t now_ns) {
  auto st = db.prepare(
      "UPDATE versions SET is_latest = ?2, noncurrent_since_ns = ?3 WHERE id = ?1");
  if (!st) return fail(st.error());
  st->bind(1, row_id).bind(2, int64_t{latest ? 1 : 0}).bind(3, latest ? int64_t{0} : now_ns);
  return st->run();
}

// After the latest version of a key was removed, the newest remaining one
// becomes the latest.
StoreResult<void> promote_newest(SqliteConnection& db, int64_t bucket_id, std::string_view key) {
  auto st = db.prepare(
      "UPDATE versions SET is_latest = 1, noncurrent_since_ns = 0 WHERE id = "
      "(SELECT id FROM versions WHERE bucket_id = ?1 AND key = ?2 ORDER BY id DESC LIMIT 1)");
  if (!st) return fail(st.error());
  st->bind(1, bucket_id).bind(2, key);
  return st->run();
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

StoreResult<ObjectVersion> insert_version(SqliteConnection& db, const Bucket& bucket,
                                          const NewVersion& v, std::string version_id,
                                          bool delete_marker) {
  auto next_id = next_version_row_id(db);
  if (!next_id) return fail(next_id.error());
  const int64_t row_id = *next_id;
  auto st = db.prepare(
      "INSERT INTO versions(id, bucket_id, key, version_id, is_latest, is_delete_marker, size, "
      "etag, last_modified_ns, content_sha256, owner, segments, attributes, model_metadata) "
      "VALUES(?1, ?2, ?3, ?4, 1, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)");
  if (!st) return fail(st.error());
  st->bind_all(row_id, bucket.id, v.key, version_id, int64_t{delete_marker ? 1 : 0},
               static_cast<int64_t>(v.size), v.etag, v.last_modified_ns, v.content_sha256, v.owner,
               segments_to_json(v.segments).dump(), attributes_to_json(v.attributes).dump(),
               v.model_metadata);
  if (auto r = st->run(); !r) return fail(r.error());
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
StoreResult<void> supersede_current(SqliteConnection& db, const Bucket& bucket,
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

StoreResult<void> delete_current(SqliteConnection& db, const Bucket& bucket, std::string_view key,
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

StoreResult<CommitOutcome> commit_new_version(SqliteConnection& db, const Bucket& bucket,
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

}  // namespace sqlite_records

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
  return st->collect(bucket_from_row);
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

StoreResult<ListPage> SqliteMetadataStore::list_objects(std::string_view bucket,
                                                        const ListQuery& q) {
  auto lease = reader();
  if (!lease) return fail(lease.error());
  auto& db = **lease;
  // One snapshot for the whole page, however many index seeks it takes.
  SqliteReadTransaction snapshot(db);
  auto b = find_bucket(db, bucket);
  if (!b) return fail(b.error());

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
