// Multipart uploads in the PostgreSQL metadata store: the SQL that is
// PostgreSQL's, and the store's upload operations, each in its transaction.
// What they do to the rows is multipart_rows.h, shared with the SQLite store;
// the tables are postgres_schema.cpp's.
#include "moss/store/postgres_metadata_store.h"
#include "postgres_records.h"

namespace moss::store {

using namespace postgres_records;

namespace {

// Greater than every upload id (they are lowercase hex, compared in the C
// collation); not 0xFF as in SQLite, which is no valid TEXT here.
constexpr const char* kAfterAllUploadIds = "~";

constexpr const char* kUpsertPartSql =
    "INSERT INTO upload_parts(upload, part_number, sha256, size, etag, "
    "checksum_algorithm, checksum, last_modified_ns) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
    "ON CONFLICT(upload, part_number) DO UPDATE SET sha256 = excluded.sha256, "
    "size = excluded.size, etag = excluded.etag, "
    "checksum_algorithm = excluded.checksum_algorithm, checksum = excluded.checksum, "
    "last_modified_ns = excluded.last_modified_ns";

constexpr const char* kUpsertCompletionSql =
    "INSERT INTO completed_uploads(upload_id, bucket_id, key, version_row, completed_ns) "
    "VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(upload_id) DO UPDATE SET "
    "bucket_id = excluded.bucket_id, key = excluded.key, "
    "version_row = excluded.version_row, completed_ns = excluded.completed_ns";

}  // namespace

StoreResult<MultipartUpload> PostgresMetadataStore::create_upload(std::string_view bucket,
                                                                  const MultipartUpload& upload) {
  return write_in_bucket(
      bucket, [&](PgConnection& db, const Bucket& b) { return insert_upload(db, b.id, upload); });
}

StoreResult<MultipartUpload> PostgresMetadataStore::get_upload(std::string_view bucket,
                                                               std::string_view key,
                                                               std::string_view upload_id) {
  using Upload = StoreResult<MultipartUpload>;
  return read_in_bucket(bucket, [&](PgConnection& db, const Bucket& b) -> Upload {
    auto u = find_upload(db, b.id, key, upload_id);
    if (!u) return fail(u.error());
    return std::move(u->upload);
  });
}

StoreResult<std::vector<std::string>> PostgresMetadataStore::put_part(std::string_view bucket,
                                                                      std::string_view key,
                                                                      std::string_view upload_id,
                                                                      const UploadPart& part) {
  return write_in_bucket(bucket, [&](PgConnection& db, const Bucket& b) {
    return store_part(db, b.id, key, upload_id, part, kUpsertPartSql);
  });
}

StoreResult<PartListPage> PostgresMetadataStore::list_parts(std::string_view bucket,
                                                            std::string_view key,
                                                            std::string_view upload_id,
                                                            const PartListQuery& q) {
  return read_in_bucket(bucket, [&](PgConnection& db, const Bucket& b) {
    return list_upload_parts(db, b.id, key, upload_id, q);
  });
}

StoreResult<UploadListPage> PostgresMetadataStore::list_uploads(std::string_view bucket,
                                                                const UploadListQuery& q) {
  return read_in_bucket(bucket, [&](PgConnection& db, const Bucket& b) {
    return list_bucket_uploads(db, b, q, kAfterAllUploadIds);
  });
}

StoreResult<CommitOutcome> PostgresMetadataStore::complete_upload(std::string_view bucket,
                                                                  std::string_view upload_id,
                                                                  const NewVersion& v,
                                                                  const WritePreconditions& pre) {
  return write_in_bucket(bucket, [&](PgConnection& db, const Bucket& b) {
    return complete_upload_rows(db, b, upload_id, v, pre, kUpsertCompletionSql);
  });
}

StoreResult<ObjectVersion> PostgresMetadataStore::find_completed_upload(
    std::string_view bucket, std::string_view key, std::string_view upload_id) {
  return read_in_bucket(bucket, [&](PgConnection& db, const Bucket& b) {
    return find_completion(db, b, key, upload_id);
  });
}

StoreResult<std::vector<std::string>> PostgresMetadataStore::abort_upload(
    std::string_view bucket, std::string_view key, std::string_view upload_id) {
  return write_in_bucket(bucket, [&](PgConnection& db, const Bucket& b) {
    return abort_upload_rows(db, b.id, key, upload_id);
  });
}

StoreResult<std::vector<UploadRef>> PostgresMetadataStore::list_idle_uploads(int64_t idle_since_ns,
                                                                             int limit) {
  return read([&](PgConnection& db) { return idle_uploads(db, idle_since_ns, limit); });
}

}  // namespace moss::store
