// Lifecycle rules and the expiries they cause in the PostgreSQL metadata
// store: the store's lifecycle operations, each in its transaction. What they
// do to the rows is lifecycle_rows.h, shared with the SQLite store; the table
// is postgres_schema.cpp's.
#include "moss/store/postgres_metadata_store.h"
#include "postgres_records.h"

namespace moss::store {

using namespace postgres_records;

StoreResult<void> PostgresMetadataStore::put_lifecycle(std::string_view bucket,
                                                       const std::vector<LifecycleRule>& rules) {
  return write_in_bucket(
      bucket, [&](PgConnection& db, const Bucket& b) { return store_lifecycle(db, b.id, rules); });
}

StoreResult<std::optional<std::vector<LifecycleRule>>> PostgresMetadataStore::get_lifecycle(
    std::string_view bucket) {
  return read_in_bucket(
      bucket, [&](PgConnection& db, const Bucket& b) { return read_lifecycle(db, b.id); });
}

StoreResult<void> PostgresMetadataStore::delete_lifecycle(std::string_view bucket) {
  return write_in_bucket(
      bucket, [](PgConnection& db, const Bucket& b) { return delete_bucket_lifecycle(db, b.id); });
}

StoreResult<std::vector<std::string>> PostgresMetadataStore::list_lifecycle_buckets() {
  return read([](PgConnection& db) { return lifecycle_bucket_names(db); });
}

StoreResult<DeleteOutcome> PostgresMetadataStore::expire_version(std::string_view bucket,
                                                                 const ExpiryTarget& target) {
  return write_in_bucket(
      bucket, [&](PgConnection& db, const Bucket& b) { return expire_target(db, b, target); });
}

}  // namespace moss::store
