// ListObjectVersions in the SQLite metadata store: the listing itself is
// version_listing.h, shared with the PostgreSQL store.
#include "moss/store/sqlite_metadata_store.h"
#include "sqlite_records.h"
#include "version_listing.h"

namespace moss::store {

StoreResult<VersionListPage> SqliteMetadataStore::list_versions(std::string_view bucket,
                                                                const VersionListQuery& q) {
  return read_in_bucket(bucket, [&](SqliteConnection& db, const Bucket& b) {
    return version_listing::list_bucket_versions(db, b, q);
  });
}

}  // namespace moss::store
