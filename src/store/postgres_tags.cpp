// Model tags in the PostgreSQL metadata store (tag_types.h): the store's tag
// operations, each in its transaction. What a tag write does is tag_rows.h,
// shared with the SQLite store; the tables are postgres_schema.cpp's.
#include "moss/store/postgres_metadata_store.h"
#include "postgres_records.h"

namespace moss::store {

using namespace postgres_records;

StoreResult<TagRecord> PostgresMetadataStore::get_tag(std::string_view bucket,
                                                      std::string_view key) {
  return read_in_bucket(
      bucket, [&](PgConnection& db, const Bucket& b) { return get_tag_record(db, b.id, key); });
}

StoreResult<std::vector<TagRecord>> PostgresMetadataStore::list_tags(std::string_view bucket,
                                                                     const TagListQuery& q) {
  return read_in_bucket(
      bucket, [&](PgConnection& db, const Bucket& b) { return list_tag_records(db, b.id, q); });
}

StoreResult<TagWriteOutcome> PostgresMetadataStore::set_tag(std::string_view bucket,
                                                            const TagWrite& w,
                                                            const TagPreconditions& pre) {
  return write_in_bucket(
      bucket, [&](PgConnection& db, const Bucket& b) { return write_tag(db, b.id, w, pre); });
}

StoreResult<TagWriteOutcome> PostgresMetadataStore::delete_tag(std::string_view bucket,
                                                               std::string_view key,
                                                               const std::string& actor,
                                                               int64_t now_ns,
                                                               const TagPreconditions& pre) {
  return write_in_bucket(bucket, [&](PgConnection& db, const Bucket& b) {
    return remove_tag(db, b.id, key, actor, now_ns, pre);
  });
}

StoreResult<std::vector<TagHistoryEntry>> PostgresMetadataStore::tag_history(
    std::string_view bucket, std::string_view key, int64_t before_seq, int limit) {
  return read_in_bucket(bucket, [&](PgConnection& db, const Bucket& b) {
    return read_tag_history(db, b.id, key, before_seq, limit);
  });
}

StoreResult<void> PostgresMetadataStore::set_content_sha256(std::string_view bucket,
                                                            std::string_view key, int64_t row_id,
                                                            const std::string& sha256_hex) {
  return write_in_bucket(bucket, [&](PgConnection& db, const Bucket& b) {
    return record_content_sha256(db, b.id, key, row_id, sha256_hex);
  });
}

}  // namespace moss::store
