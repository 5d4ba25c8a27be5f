// S3's conditional writes (If-Match / If-None-Match on PutObject, CopyObject
// and CompleteMultipartUpload), as one rule every metadata store applies
// inside its write transaction.
#include "moss/store/metadata_store.h"

namespace moss::store {

std::optional<StoreErrc> violated_precondition(const WritePreconditions& pre,
                                               const ObjectVersion* current) {
  const bool exists = current && !current->is_delete_marker;
  if (pre.if_match) {
    if (!exists) return StoreErrc::kNoSuchKey;
    if (*pre.if_match != "*" && *pre.if_match != current->etag) {
      return StoreErrc::kPreconditionFailed;
    }
  }
  if (pre.if_none_match && exists &&
      (*pre.if_none_match == "*" || *pre.if_none_match == current->etag)) {
    return StoreErrc::kPreconditionFailed;
  }
  return std::nullopt;
}

}  // namespace moss::store
