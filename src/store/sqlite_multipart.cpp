// Multipart uploads in the SQLite metadata store: the tables, the SQL that is
// SQLite's, and the store's upload operations, each in its transaction. What
// they do to the rows is multipart_rows.h, shared with the PostgreSQL store.
#include "moss/store/sqlite_metadata_store.h"
#include "sqlite_records.h"

namespace moss::store {

using namespace sqlite_records;

namespace {

// Upload ids sort by key, then by id; an id starting with the initiation time
// makes that the initiation order S3 lists uploads of one key in.
constexpr const char* kMultipartSchema = R"sql(
CREATE TABLE IF NOT EXISTS uploads(
  id INTEGER PRIMARY KEY,
  bucket_id INTEGER NOT NULL REFERENCES buckets(id),
  key TEXT NOT NULL,
  upload_id TEXT NOT NULL UNIQUE,
  owner TEXT NOT NULL,
  initiated_ns INTEGER NOT NULL,
  last_activity_ns INTEGER NOT NULL,
  checksum_algorithm TEXT NOT NULL,
  checksum_type TEXT NOT NULL,
  attributes TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS uploads_by_key ON uploads(bucket_id, key, upload_id);
CREATE INDEX IF NOT EXISTS uploads_by_activity ON uploads(last_activity_ns);
CREATE TABLE IF NOT EXISTS upload_parts(
  upload INTEGER NOT NULL REFERENCES uploads(id),
  part_number INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  size INTEGER NOT NULL,
  etag TEXT NOT NULL,
  checksum_algorithm TEXT NOT NULL,
  checksum TEXT NOT NULL,
  last_modified_ns INTEGER NOT NULL,
  PRIMARY KEY(upload, part_number)) WITHOUT ROWID;
-- Completed uploads, for a CompleteMultipartUpload retried after it succeeded
-- (its first answer lost): the version row each made. Kept a day.
CREATE TABLE IF NOT EXISTS completed_uploads(
  upload_id TEXT PRIMARY KEY,
  bucket_id INTEGER NOT NULL,
  key TEXT NOT NULL,
  version_row INTEGER NOT NULL,
  completed_ns INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS completed_uploads_by_time ON completed_uploads(completed_ns);
)sql";

// Greater than every upload id (they are lowercase hex).
constexpr const char* kAfterAllUploadIds = "\xff";

constexpr const char* kUpsertPartSql =
    "INSERT OR REPLACE INTO upload_parts(upload, part_number, sha256, size, etag, "
    "checksum_algorithm, checksum, last_modified_ns) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";

constexpr const char* kUpsertCompletionSql =
    "INSERT OR REPLACE INTO completed_uploads(upload_id, bucket_id, key, version_row, "
    "completed_ns) VALUES(?1, ?2, ?3, ?4, ?5)";

}  // namespace

StoreResult<void> sqlite_records::create_multipart_tables(SqliteConnection& db) {
  return db.exec(kMultipartSchema);
}

StoreResult<MultipartUpload> SqliteMetadataStore::create_upload(std::string_view bucket,
                                                                const MultipartUpload& upload) {
  return write_in_bucket(bucket, [&](SqliteConnection& db, const Bucket& b) {
    return insert_upload(db, b.id, upload);
  });
}

StoreResult<MultipartUpload> SqliteMetadataStore::get_upload(std::string_view bucket,
                                                             std::string_view key,
                                                             std::string_view upload_id) {
  using Upload = StoreResult<MultipartUpload>;
  return read_in_bucket(bucket, [&](SqliteConnection& db, const Bucket& b) -> Upload {
    auto u = find_upload(db, b.id, key, upload_id);
    if (!u) return fail(u.error());
    return std::move(u->upload);
  });
}

StoreResult<std::vector<std::string>> SqliteMetadataStore::put_part(std::string_view bucket,
                                                                    std::string_view key,
                                                                    std::string_view upload_id,
                                                                    const UploadPart& part) {
  return write_in_bucket(bucket, [&](SqliteConnection& db, const Bucket& b) {
    return store_part(db, b.id, key, upload_id, part, kUpsertPartSql);
  });
}

StoreResult<PartListPage> SqliteMetadataStore::list_parts(std::string_view bucket,
                                                          std::string_view key,
                                                          std::string_view upload_id,
                                                          const PartListQuery& q) {
  return read_in_bucket(bucket, [&](SqliteConnection& db, const Bucket& b) {
    return list_upload_parts(db, b.id, key, upload_id, q);
  });
}

StoreResult<UploadListPage> SqliteMetadataStore::list_uploads(std::string_view bucket,
                                                              const UploadListQuery& q) {
  return read_in_bucket(bucket, [&](SqliteConnection& db, const Bucket& b) {
    return list_bucket_uploads(db, b, q, kAfterAllUploadIds);
  });
}

StoreResult<CommitOutcome> SqliteMetadataStore::complete_upload(std::string_view bucket,
                                                                std::string_view upload_id,
                                                                const NewVersion& v,
                                                                const WritePreconditions& pre) {
  return write_in_bucket(bucket, [&](SqliteConnection& db, const Bucket& b) {
    return complete_upload_rows(db, b, upload_id, v, pre, kUpsertCompletionSql);
  });
}

StoreResult<ObjectVersion> SqliteMetadataStore::find_completed_upload(std::string_view bucket,
                                                                      std::string_view key,
                                                                      std::string_view upload_id) {
  return read_in_bucket(bucket, [&](SqliteConnection& db, const Bucket& b) {
    return find_completion(db, b, key, upload_id);
  });
}

StoreResult<std::vector<std::string>> SqliteMetadataStore::abort_upload(
    std::string_view bucket, std::string_view key, std::string_view upload_id) {
  return write_in_bucket(bucket, [&](SqliteConnection& db, const Bucket& b) {
    return abort_upload_rows(db, b.id, key, upload_id);
  });
}

StoreResult<std::vector<UploadRef>> SqliteMetadataStore::list_idle_uploads(int64_t idle_since_ns,
                                                                           int limit) {
  auto lease = reader();
  if (!lease) return fail(lease.error());
  return idle_uploads(**lease, idle_since_ns, limit);
}

}  // namespace moss::store
