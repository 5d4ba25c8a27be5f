// Snapshots in the SQLite metadata store (snapshot_types.h).
//
// A snapshot row counts the tags that hold it (tag_refs). The first hold pins
// its files: each file row copies what GET needs from the version, and one
// blob reference per segment is taken, the same references versions and file
// tags hold (add_blob_refs / release_blob_refs). The last release drops those
// references; the rows stay, so a rollback can pin the same versions again and
// a reader asking by identity is served while the bytes exist.
#include <nlohmann/json.hpp>
#include <set>

#include "moss/store/sqlite_metadata_store.h"
#include "sqlite_records.h"

namespace moss::store {

using namespace sqlite_records;

namespace {

// Files are in path order (BINARY collation: UTF-8 byte order) inside one
// snapshot, so a folder listing is one index range.
constexpr const char* kSnapshotSchema = R"sql(
CREATE TABLE IF NOT EXISTS snapshots(
  bucket_id INTEGER NOT NULL,
  model TEXT NOT NULL,
  id TEXT NOT NULL,
  file_count INTEGER NOT NULL,
  total_size INTEGER NOT NULL,
  created_ns INTEGER NOT NULL,
  tag_refs INTEGER NOT NULL,
  PRIMARY KEY(bucket_id, model, id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS snapshot_files(
  bucket_id INTEGER NOT NULL,
  model TEXT NOT NULL,
  snapshot_id TEXT NOT NULL,
  path TEXT NOT NULL,
  key TEXT NOT NULL,
  version_id TEXT NOT NULL,
  size INTEGER NOT NULL,
  etag TEXT NOT NULL,
  last_modified_ns INTEGER NOT NULL,
  content_sha256 TEXT NOT NULL,
  owner TEXT NOT NULL,
  segments TEXT NOT NULL,
  attributes TEXT NOT NULL,
  model_metadata TEXT NOT NULL,
  PRIMARY KEY(bucket_id, model, snapshot_id, path)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS snapshot_releases(
  bucket_id INTEGER NOT NULL,
  model TEXT NOT NULL,
  id TEXT NOT NULL,
  unheld_ns INTEGER NOT NULL,
  PRIMARY KEY(bucket_id, model, id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS snapshot_releases_by_time ON snapshot_releases(unheld_ns);
)sql";

constexpr const char* kFileColumns =
    "path, key, version_id, size, etag, last_modified_ns, content_sha256, owner, segments, "
    "attributes, model_metadata";

SnapshotFile file_from_row(const SqliteStatement& st, int64_t bucket_id) {
  SnapshotFile f;
  f.version.bucket_id = bucket_id;
  st.read_columns(0, f.path, f.version.key, f.version.version_id, f.version.size, f.version.etag,
                  f.version.last_modified_ns, f.version.content_sha256, f.version.owner);
  f.version.segments = segments_from_json(st.column_text(8));
  f.version.attributes = attributes_from_json(st.column_text(9));
  f.version.model_metadata = st.column_text(10);
  f.version.is_latest = true;
  return f;
}

SnapshotRecord snapshot_from_row(const SqliteStatement& st) {
  SnapshotRecord r;
  st.read_columns(0, r.model, r.id, r.file_count, r.total_size, r.created_ns, r.tag_refs);
  return r;
}

StoreResult<std::optional<SnapshotRecord>> find_snapshot(SqliteConnection& db, int64_t bucket_id,
                                                         std::string_view model,
                                                         std::string_view id) {
  auto st = db.prepare(
      "SELECT model, id, file_count, total_size, created_ns, tag_refs FROM snapshots "
      "WHERE bucket_id = ?1 AND model = ?2 AND id = ?3");
  if (!st) return fail(st.error());
  st->bind_all(bucket_id, model, id);
  return st->first_row(snapshot_from_row);
}

// Every segment of every file of the snapshot.
StoreResult<std::vector<BlobSegment>> snapshot_segments(SqliteConnection& db, int64_t bucket_id,
                                                        std::string_view model,
                                                        std::string_view id) {
  auto st = db.prepare(
      "SELECT segments FROM snapshot_files WHERE bucket_id = ?1 AND model = ?2 AND "
      "snapshot_id = ?3");
  if (!st) return fail(st.error());
  st->bind_all(bucket_id, model, id);
  auto lists = st->collect([](SqliteStatement& row) { return row.column_text(0); });
  if (!lists) return fail(lists.error());
  std::vector<BlobSegment> out;
  for (const auto& text : *lists) {
    auto segments = segments_from_json(text);
    out.insert(out.end(), segments.begin(), segments.end());
  }
  return out;
}

// The first hold of a snapshot not held yet: (re)writes its file rows from
// the versions named, and references their blobs.
StoreResult<void> pin_snapshot(SqliteConnection& db, int64_t bucket_id, const std::string& model,
                               const SnapshotWrite& w, int64_t now_ns) {
  if (w.files.empty()) return store_fail(StoreErrc::kNoSuchKey, "snapshot " + w.id);
  auto clear = db.prepare(
      "DELETE FROM snapshot_files WHERE bucket_id = ?1 AND model = ?2 AND snapshot_id = ?3");
  if (!clear) return fail(clear.error());
  clear->bind_all(bucket_id, model, w.id);
  if (auto r = clear->run(); !r) return r;

  uint64_t total = 0;
  std::vector<BlobSegment> segments;
  for (const auto& file : w.files) {
    auto version = find_by_version_id(db, bucket_id, file.key, file.version_id);
    if (!version) return fail(version.error());
    if (!*version || (*version)->is_delete_marker) {
      return store_fail(StoreErrc::kNoSuchKey, file.key);
    }
    const ObjectVersion& v = **version;
    auto insert = db.prepare(
        "INSERT INTO snapshot_files(bucket_id, model, snapshot_id, path, key, version_id, size, "
        "etag, last_modified_ns, content_sha256, owner, segments, attributes, model_metadata) "
        "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)");
    if (!insert) return fail(insert.error());
    insert->bind_all(bucket_id, model, w.id, file.path, v.key, v.version_id,
                     static_cast<int64_t>(v.size), v.etag, v.last_modified_ns, v.content_sha256,
                     v.owner, segments_to_json(v.segments).dump(),
                     attributes_to_json(v.attributes).dump(), v.model_metadata);
    if (auto r = insert->run(); !r) return r;
    total += v.size;
    segments.insert(segments.end(), v.segments.begin(), v.segments.end());
  }
  if (auto r = add_blob_refs(db, segments); !r) return r;
  auto upsert = db.prepare(
      "INSERT INTO snapshots(bucket_id, model, id, file_count, total_size, created_ns, tag_refs) "
      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, 1) ON CONFLICT(bucket_id, model, id) DO UPDATE SET "
      "file_count = excluded.file_count, total_size = excluded.total_size, tag_refs = 1");
  if (!upsert) return fail(upsert.error());
  upsert->bind_all(bucket_id, model, w.id, static_cast<int64_t>(w.files.size()),
                   static_cast<int64_t>(total), now_ns);
  return upsert->run();
}

StoreResult<void> add_tag_refs(SqliteConnection& db, int64_t bucket_id, std::string_view model,
                               std::string_view id, int64_t delta) {
  auto st = db.prepare(
      "UPDATE snapshots SET tag_refs = tag_refs + ?4 WHERE bucket_id = ?1 AND model = ?2 AND "
      "id = ?3");
  if (!st) return fail(st.error());
  st->bind_all(bucket_id, model, id, delta);
  return st->run();
}

// A snapshot no tag holds, within its retention, taken back by a tag: its
// references are still held, so it is only taken off snapshot_releases.
// Whether it was there.
StoreResult<bool> take_back_from_release(SqliteConnection& db, int64_t bucket_id,
                                         std::string_view model, std::string_view id) {
  auto st =
      db.prepare("DELETE FROM snapshot_releases WHERE bucket_id = ?1 AND model = ?2 AND id = ?3");
  if (!st) return fail(st.error());
  st->bind_all(bucket_id, model, id);
  if (auto r = st->run(); !r) return fail(r.error());
  return db.changes() > 0;
}

// Drops the blob references of a snapshot on snapshot_releases and takes it off.
StoreResult<void> release_references(SqliteConnection& db, int64_t bucket_id,
                                     std::string_view model, std::string_view id,
                                     std::vector<std::string>& released) {
  auto segments = snapshot_segments(db, bucket_id, model, id);
  if (!segments) return fail(segments.error());
  if (auto r = release_blob_refs(db, *segments, released); !r) return r;
  if (auto taken = take_back_from_release(db, bucket_id, model, id); !taken) {
    return fail(taken.error());
  }
  return {};
}

struct UnheldSnapshot {
  int64_t bucket_id = 0;
  std::string model;
  std::string id;
};

}  // namespace

namespace sqlite_records {

StoreResult<void> create_snapshot_tables(SqliteConnection& db) { return db.exec(kSnapshotSchema); }

StoreResult<void> hold_snapshots(SqliteConnection& db, int64_t bucket_id, const std::string& model,
                                 const std::vector<SnapshotWrite>& writes, int64_t now_ns) {
  for (const auto& w : writes) {
    auto current = find_snapshot(db, bucket_id, model, w.id);
    if (!current) return fail(current.error());
    if (*current && (*current)->tag_refs > 0) {
      if (auto r = add_tag_refs(db, bucket_id, model, w.id, 1); !r) return r;
      continue;
    }
    if (*current) {
      auto retained = take_back_from_release(db, bucket_id, model, w.id);
      if (!retained) return fail(retained.error());
      if (*retained) {
        if (auto r = add_tag_refs(db, bucket_id, model, w.id, 1); !r) return r;
        continue;
      }
    }
    if (auto r = pin_snapshot(db, bucket_id, model, w, now_ns); !r) return r;
  }
  return {};
}

StoreResult<void> release_snapshots(SqliteConnection& db, int64_t bucket_id,
                                    const std::string& model, const std::vector<std::string>& ids,
                                    int64_t now_ns) {
  for (const auto& id : ids) {
    auto current = find_snapshot(db, bucket_id, model, id);
    if (!current) return fail(current.error());
    if (!*current || (*current)->tag_refs <= 0) continue;  // never held: nothing to release
    if (auto r = add_tag_refs(db, bucket_id, model, id, -1); !r) return r;
    if ((*current)->tag_refs > 1) continue;
    auto st = db.prepare(
        "INSERT INTO snapshot_releases(bucket_id, model, id, unheld_ns) VALUES(?1, ?2, ?3, ?4) "
        "ON CONFLICT(bucket_id, model, id) DO UPDATE SET unheld_ns = excluded.unheld_ns");
    if (!st) return fail(st.error());
    st->bind_all(bucket_id, model, id, now_ns);
    if (auto r = st->run(); !r) return r;
  }
  return {};
}

StoreResult<void> delete_bucket_snapshots(SqliteConnection& db, int64_t bucket_id,
                                          std::vector<std::string>& released) {
  auto st = db.prepare("SELECT model, id FROM snapshot_releases WHERE bucket_id = ?1");
  if (!st) return fail(st.error());
  st->bind(1, bucket_id);
  auto retained = st->collect(
      [](SqliteStatement& row) { return std::make_pair(row.column_text(0), row.column_text(1)); });
  if (!retained) return fail(retained.error());
  for (const auto& [model, id] : *retained) {
    if (auto r = release_references(db, bucket_id, model, id, released); !r) return r;
  }
  for (const char* sql : {"DELETE FROM snapshot_files WHERE bucket_id = ?1",
                          "DELETE FROM snapshots WHERE bucket_id = ?1"}) {
    auto st = db.prepare(sql);
    if (!st) return fail(st.error());
    st->bind(1, bucket_id);
    if (auto r = st->run(); !r) return r;
  }
  return {};
}

}  // namespace sqlite_records

StoreResult<SnapshotRecord> SqliteMetadataStore::get_snapshot(std::string_view bucket,
                                                              std::string_view model,
                                                              std::string_view id) {
  using Snapshot = StoreResult<SnapshotRecord>;
  return read_in_bucket(bucket, [&](SqliteConnection& db, const Bucket& b) -> Snapshot {
    // A full identity is one row; a 40-digit prefix must name exactly one.
    auto st = db.prepare(
        "SELECT model, id, file_count, total_size, created_ns, tag_refs FROM snapshots "
        "WHERE bucket_id = ?1 AND model = ?2 AND id >= ?3 AND id < ?4 ORDER BY id LIMIT 2");
    if (!st) return fail(st.error());
    st->bind_all(b.id, model, id, std::string(id) + "\xff");
    auto rows = st->collect(snapshot_from_row);
    if (!rows) return fail(rows.error());
    if (rows->size() != 1) return store_fail(StoreErrc::kNoSuchKey, std::string(id));
    return std::move(rows->front());
  });
}

StoreResult<std::vector<SnapshotFile>> SqliteMetadataStore::list_snapshot_files(
    std::string_view bucket, std::string_view model, std::string_view id,
    const SnapshotFileQuery& q) {
  static const std::string sql = std::string("SELECT ") + kFileColumns +
                                 " FROM snapshot_files WHERE bucket_id = ?1 AND model = ?2 AND "
                                 "snapshot_id = ?3 AND path >= ?4 AND (?5 = '' OR path < ?5) "
                                 "ORDER BY path LIMIT ?6";
  using Files = StoreResult<std::vector<SnapshotFile>>;
  return read_in_bucket(bucket, [&](SqliteConnection& db, const Bucket& b) -> Files {
    auto st = db.prepare(sql.c_str());
    if (!st) return fail(st.error());
    st->bind_all(b.id, model, id, q.lower, q.upper, int64_t{q.limit});
    return st->collect([&](SqliteStatement& row) { return file_from_row(row, b.id); });
  });
}

StoreResult<SnapshotFile> SqliteMetadataStore::get_snapshot_file(std::string_view bucket,
                                                                 std::string_view model,
                                                                 std::string_view id,
                                                                 std::string_view path) {
  static const std::string sql = std::string("SELECT ") + kFileColumns +
                                 " FROM snapshot_files WHERE bucket_id = ?1 AND model = ?2 AND "
                                 "snapshot_id = ?3 AND path = ?4";
  using File = StoreResult<SnapshotFile>;
  return read_in_bucket(bucket, [&](SqliteConnection& db, const Bucket& b) -> File {
    auto st = db.prepare(sql.c_str());
    if (!st) return fail(st.error());
    st->bind_all(b.id, model, id, path);
    auto row = st->first_row([&](SqliteStatement& r) { return file_from_row(r, b.id); });
    if (!row) return fail(row.error());
    if (!*row) return store_fail(StoreErrc::kNoSuchKey, std::string(path));
    return std::move(**row);
  });
}

StoreResult<SnapshotReleases> SqliteMetadataStore::release_unheld_snapshots(
    int64_t unheld_before_ns, int limit) {
  return write([&](SqliteConnection& db) -> StoreResult<SnapshotReleases> {
    auto st = db.prepare(
        "SELECT bucket_id, model, id FROM snapshot_releases WHERE unheld_ns < ?1 "
        "ORDER BY unheld_ns LIMIT ?2");
    if (!st) return fail(st.error());
    st->bind_all(unheld_before_ns, int64_t{limit});
    auto due = st->collect([](SqliteStatement& row) {
      UnheldSnapshot u;
      row.read_columns(0, u.bucket_id, u.model, u.id);
      return u;
    });
    if (!due) return fail(due.error());
    SnapshotReleases out;
    for (const auto& u : *due) {
      if (auto r = release_references(db, u.bucket_id, u.model, u.id, out.released_blobs); !r) {
        return fail(r.error());
      }
      ++out.snapshots;
    }
    return out;
  });
}

}  // namespace moss::store
