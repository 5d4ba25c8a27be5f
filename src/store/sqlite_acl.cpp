// Canned ACLs in the SQLite metadata store (schema version 2): what setting one does
// is acl_rows.h, shared with the PostgreSQL store.
#include "acl_rows.h"
#include "moss/store/sqlite_metadata_store.h"
#include "sqlite_records.h"

namespace moss::store {

using namespace sqlite_records;

StoreResult<void> SqliteMetadataStore::set_bucket_public_read(std::string_view bucket,
                                                              bool public_read) {
  return write_in_bucket(bucket, [&](SqliteConnection& db, const Bucket& b) {
    return set_bucket_acl(db, b.id, public_read);
  });
}

StoreResult<void> SqliteMetadataStore::set_object_public_read(std::string_view bucket,
                                                              std::string_view key,
                                                              std::string_view version_id,
                                                              bool public_read) {
  return write_in_bucket(bucket, [&](SqliteConnection& db, const Bucket& b) {
    return set_version_acl(db, b.id, key, version_id, public_read);
  });
}

}  // namespace moss::store
