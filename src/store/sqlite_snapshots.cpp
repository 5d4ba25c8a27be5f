// Snapshots in the SQLite metadata store (snapshot_types.h): the tables, and
// the lookups whose SQL is SQLite's. Holding and releasing snapshots is
// snapshot_rows.h, shared with the PostgreSQL store.
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

}  // namespace

StoreResult<void> sqlite_records::create_snapshot_tables(SqliteConnection& db) {
  return db.exec(kSnapshotSchema);
}

StoreResult<SnapshotRecord> SqliteMetadataStore::get_snapshot(std::string_view bucket,
                                                              std::string_view model,
                                                              std::string_view id) {
  using Snapshot = StoreResult<SnapshotRecord>;
  return read_in_bucket(bucket, [&](SqliteConnection& db, const Bucket& b) -> Snapshot {
    // A full identity is one row; a 40-digit prefix must name exactly one.
    auto st = db.prepare(
        "SELECT model, id, file_count, total_size, "
        "created_ns, tag_refs FROM snapshots "
        "WHERE bucket_id = ?1 AND model = ?2 AND id >= ?3 "
        "AND id < ?4 ORDER BY id LIMIT 2");
    if (!st) return fail(st.error());
    st->bind_all(b.id, model, id, std::string(id) + "\xff");
    auto rows = st->collect([](const SqliteStatement& row) { return snapshot_from_row(row); });
    if (!rows) return fail(rows.error());
    if (rows->size() != 1) return store_fail(StoreErrc::kNoSuchKey, std::string(id));
    return std::move(rows->front());
  });
}

StoreResult<std::vector<SnapshotFile>> SqliteMetadataStore::list_snapshot_files(
    std::string_view bucket, std::string_view model, std::string_view id,
    const SnapshotFileQuery& q) {
  static const std::string sql = std::string("SELECT ") + kSnapshotFileColumns +
                                 " FROM snapshot_files WHERE bucket_id = ?1 AND model = ?2 AND "
                                 "snapshot_id = ?3 AND path >= ?4 AND (?5 = '' OR path < ?5) "
                                 "ORDER BY path LIMIT ?6";
  using Files = StoreResult<std::vector<SnapshotFile>>;
  return read_in_bucket(bucket, [&](SqliteConnection& db, const Bucket& b) -> Files {
    auto st = db.prepare(sql.c_str());
    if (!st) return fail(st.error());
    st->bind_all(b.id, model, id, q.lower, q.upper, int64_t{q.limit});
    return st->collect([&](const SqliteStatement& row) { return file_from_row(row, b.id); });
  });
}

StoreResult<SnapshotFile> SqliteMetadataStore::get_snapshot_file(std::string_view bucket,
                                                                 std::string_view model,
                                                                 std::string_view id,
                                                                 std::string_view path) {
  return read_in_bucket(bucket, [&](SqliteConnection& db, const Bucket& b) {
    return find_snapshot_file(db, b.id, model, id, path);
  });
}

StoreResult<SnapshotReleases> SqliteMetadataStore::release_unheld_snapshots(
    int64_t unheld_before_ns, int limit) {
  return write(
      [&](SqliteConnection& db) { return release_due_snapshots(db, unheld_before_ns, limit); });
}

}  // namespace moss::store
