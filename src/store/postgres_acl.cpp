// Canned ACLs in the PostgreSQL metadata store (as sqlite_acl.cpp): a bucket's is a column of its
// row (schema migration 2), an object version's is part of its attributes, so it is carried by
// whatever carries them (multipart uploads, copies that keep them).
#include "moss/store/postgres_metadata_store.h"
#include "postgres_records.h"

namespace moss::store {

using namespace postgres_records;

StoreResult<void> PostgresMetadataStore::set_bucket_public_read(std::string_view bucket,
                                                                bool public_read) {
  return write_in_bucket(bucket, [&](PgConnection& db, const Bucket& b) -> StoreResult<void> {
    auto st = db.prepare("UPDATE buckets SET public_read = ?2 WHERE id = ?1");
    if (!st) return fail(st.error());
    st->bind(1, b.id).bind(2, int64_t{public_read ? 1 : 0});
    return st->run();
  });
}

StoreResult<void> PostgresMetadataStore::set_object_public_read(std::string_view bucket,
                                                                std::string_view key,
                                                                std::string_view version_id,
                                                                bool public_read) {
  return write_in_bucket(bucket, [&](PgConnection& db, const Bucket& b) -> StoreResult<void> {
    auto found = version_id.empty() ? find_latest(db, b.id, key)
                                    : find_by_version_id(db, b.id, key, version_id);
    if (!found) return fail(found.error());
    if (!*found || (version_id.empty() && (*found)->is_delete_marker)) {
      return store_fail(version_id.empty() ? StoreErrc::kNoSuchKey : StoreErrc::kNoSuchVersion,
                        std::string(key));
    }
    if ((*found)->is_delete_marker) {
      return store_fail(StoreErrc::kInvalidArgument, "a delete marker has no ACL");
    }
    ObjectAttributes attributes = (*found)->attributes;
    attributes.public_read = public_read;
    auto st = db.prepare("UPDATE versions SET attributes = ?2 WHERE id = ?1");
    if (!st) return fail(st.error());
    st->bind(1, (*found)->row_id).bind(2, attributes_to_json(attributes).dump());
    return st->run();
  });
}

}  // namespace moss::store
