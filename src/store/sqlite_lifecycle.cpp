// Lifecycle rules and the expiries they cause in the SQLite metadata store:
// the table, and the store's lifecycle operations, each in its transaction.
// What they do to the rows is lifecycle_rows.h, shared with the PostgreSQL
// store.
#include "moss/store/sqlite_metadata_store.h"
#include "sqlite_records.h"

namespace moss::store {

using namespace sqlite_records;

namespace {

constexpr const char* kLifecycleSchema = R"sql(
CREATE TABLE IF NOT EXISTS bucket_lifecycle(
  bucket_id INTEGER PRIMARY KEY REFERENCES buckets(id),
  rules TEXT NOT NULL);
)sql";

}  // namespace

StoreResult<void> sqlite_records::create_lifecycle_tables(SqliteConnection& db) {
  return db.exec(kLifecycleSchema);
}

StoreResult<void> SqliteMetadataStore::put_lifecycle(std::string_view bucket,
                                                     const std::vector<LifecycleRule>& rules) {
  return write_in_bucket(bucket, [&](SqliteConnection& db, const Bucket& b) {
    return store_lifecycle(db, b.id, rules);
  });
}

StoreResult<std::optional<std::vector<LifecycleRule>>> SqliteMetadataStore::get_lifecycle(
    std::string_view bucket) {
  return read_in_bucket(
      bucket, [&](SqliteConnection& db, const Bucket& b) { return read_lifecycle(db, b.id); });
}

StoreResult<void> SqliteMetadataStore::delete_lifecycle(std::string_view bucket) {
  return write_in_bucket(bucket, [](SqliteConnection& db, const Bucket& b) {
    return delete_bucket_lifecycle(db, b.id);
  });
}

StoreResult<std::vector<std::string>> SqliteMetadataStore::list_lifecycle_buckets() {
  auto lease = reader();
  if (!lease) return fail(lease.error());
  return lifecycle_bucket_names(**lease);
}

StoreResult<DeleteOutcome> SqliteMetadataStore::expire_version(std::string_view bucket,
                                                               const ExpiryTarget& target) {
  return write_in_bucket(
      bucket, [&](SqliteConnection& db, const Bucket& b) { return expire_target(db, b, target); });
}

}  // namespace moss::store
