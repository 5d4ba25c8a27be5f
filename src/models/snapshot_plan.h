// Planning the snapshot a directory target pins (tag_writes.cpp): which
// version of each file under the directory, and the snapshot's identity.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "moss/models/model_error.h"
#include "moss/store/object_store.h"

namespace moss::models {

struct PlannedSnapshot {
  store::SnapshotWrite write;    // the identity and the versions to pin
  store::SnapshotRecord record;  // as resolution should see it before the write
  // Files with no SHA-256 yet (multipart objects the content hasher has not
  // reached): the write hashes them and plans again.
  std::vector<store::ObjectVersion> unhashed;
};

// Every object under "<model>/<directory>" (directory ends in '/') as it is
// now. kInvalidTagTarget when there is none or more than kMaxSnapshotFiles.
ModelResult<PlannedSnapshot> plan_directory_snapshot(store::ObjectStore& store,
                                                     std::string_view bucket,
                                                     const std::string& model,
                                                     const std::string& directory);

// The snapshot `id` a history entry recorded (rollback): held by some tag, it
// is simply held once more; otherwise each of its files is pinned again if
// its bytes are still stored (kInvalidTagTarget when not).
ModelResult<PlannedSnapshot> plan_recorded_snapshot(store::ObjectStore& store,
                                                    std::string_view bucket,
                                                    const std::string& model,
                                                    const std::string& id);

// The version a tag pinned then, if its bytes are still stored: that very
// version, or the current one when it has the same SHA-256.
ModelResult<store::ObjectVersion> version_pinned_again(store::ObjectStore& store,
                                                       std::string_view bucket,
                                                       const std::string& key,
                                                       const std::string& version_id,
                                                       const std::string& sha256);

}  // namespace moss::models
