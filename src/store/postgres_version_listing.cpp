// ListObjectVersions in the PostgreSQL metadata store: the listing itself is
// version_listing.h, shared with the SQLite store.
#include "moss/store/postgres_metadata_store.h"
#include "postgres_records.h"
#include "version_listing.h"

namespace moss::store {

StoreResult<VersionListPage> PostgresMetadataStore::list_versions(std::string_view bucket,
                                                                const VersionListQuery& q) {
  return read_in_bucket(bucket, [&](PgConnection& db, const Bucket& b) {
    return version_listing::list_bucket_versions(db, b, q);
  });
}

}  // namespace moss::store
