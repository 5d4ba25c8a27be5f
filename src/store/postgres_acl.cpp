// Canned ACLs in the PostgreSQL metadata store (schema migration 2): what setting one does
// is acl_rows.h, shared with the SQLite store.
#include "acl_rows.h"
#include "moss/store/postgres_metadata_store.h"
#include "postgres_records.h"

namespace moss::store {

using namespace postgres_records;

StoreResult<void> PostgresMetadataStore::set_bucket_public_read(std::string_view bucket,
                                                                bool public_read) {
  return write_in_bucket(bucket, [&](PgConnection& db, const Bucket& b) {
    return set_bucket_acl(db, b.id, public_read);
  });
}

StoreResult<void> PostgresMetadataStore::set_object_public_read(std::string_view bucket,
                                                                std::string_view key,
                                                                std::string_view version_id,
                                                                bool public_read) {
  return write_in_bucket(bucket, [&](PgConnection& db, const Bucket& b) {
    return set_version_acl(db, b.id, key, version_id, public_read);
  });
}

}  // namespace moss::store
