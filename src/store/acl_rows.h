// Canned ACLs, once for both metadata stores: a bucket's is a column of its
// row, an object version's is part of its attributes, so it is carried by
// whatever carries them (multipart uploads, copies that keep them).
//
// Templates over the connection, as metadata_rows.h; each function runs inside
// the caller's transaction.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "metadata_rows.h"

namespace moss::store::metadata_rows {

// The body of set_bucket_public_read.
template <class Connection>
StoreResult<void> set_bucket_acl(Connection& db, int64_t bucket_id, bool public_read) {
  auto st = db.prepare("UPDATE buckets SET public_read = ?2 WHERE id = ?1");
  if (!st) return fail(st.error());
  st->bind(1, bucket_id).bind(2, int64_t{public_read ? 1 : 0});
  return st->run();
}

// The body of set_object_public_read: the canned ACL of version `version_id`
// of `key`, the latest version when `version_id` is empty;
// kNoSuchKey / kNoSuchVersion when there is none, kInvalidArgument for a
// delete marker.
template <class Connection>
StoreResult<void> set_version_acl(Connection& db, int64_t bucket_id, std::string_view key,
                                  std::string_view version_id, bool public_read) {
  auto found = version_id.empty() ? find_latest(db, bucket_id, key)
                                  : find_by_version_id(db, bucket_id, key, version_id);
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
}

}  // namespace moss::store::metadata_rows
