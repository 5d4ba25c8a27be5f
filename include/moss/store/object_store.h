// The storage facade the layers above use: metadata and blobs kept consistent.
//
// What must hold: a blob file exists whenever a committed version (or a part of
// a multipart upload in progress) references it, and a write is acknowledged only when its blob and
// its metadata are both durable. Linking a new blob, committing the version that references it, and
// removing blobs whose last reference went away happen under one mutex, so a
// blob being removed can never be the one a concurrent write is relying on.
// Reads take no lock: blobs are immutable and an open descriptor survives the
// file's removal. Thread-safe.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "moss/store/blob_store.h"
#include "moss/store/metadata_store.h"
#include "moss/util/mutex.h"

namespace moss::store {

// A version and descriptors of its segments' blobs, in order.
struct OpenedObject {
  ObjectVersion version;
  std::vector<SharedFd> segments;
};

class ObjectStore {
 public:
  ObjectStore(std::unique_ptr<MetadataStore> metadata, std::unique_ptr<BlobStore> blobs);

  // SQLite metadata (<data>/moss.db) and local blobs (<data>/blobs), after a
  // sweep of what an earlier crash may have left: temporary files and blobs no
  // version references.
  static StoreResult<std::unique_ptr<ObjectStore>> open_local(const std::string& data_dir);

  MetadataStore& metadata() { return *metadata_; }
  BlobStore& blobs() { return *blobs_; }

  StoreResult<std::unique_ptr<BlobWriter>> begin_blob(std::vector<DigestAlgorithm> extra_digests);

  // Links `blob` and commits `v` (whose segments must name it) as one step.
  StoreResult<ObjectVersion> put_object(std::string_view bucket, const NewVersion& v,
                                        SealedBlob& blob, const WritePreconditions& pre);

  // Commits a version made only of blobs already stored (CopyObject): no byte is
  // written. kNoSuchKey if one of them has meanwhile been removed.
  StoreResult<ObjectVersion> put_existing_blobs(std::string_view bucket, const NewVersion& v,
                                                const WritePreconditions& pre);

  StoreResult<DeleteOutcome> delete_object(std::string_view bucket, std::string_view key,
                                           std::string_view version_id = {});

  // --- Multipart uploads. Parts are linked and released under the same mutex,
  // with the same guarantees, as the blobs of whole objects.

  // Links `blob` and records it as `part` (whose sha256 must name it) of the
  // upload, replacing a part of the same number.
  StoreResult<void> put_part(std::string_view bucket, std::string_view key,
                             std::string_view upload_id, const UploadPart& part, SealedBlob& blob);
  // Records a part whose blob is already stored (UploadPartCopy of a whole
  // segment): no byte is written. kNoSuchKey if the blob has meanwhile gone.
  StoreResult<void> put_existing_part(std::string_view bucket, std::string_view key,
                                      std::string_view upload_id, const UploadPart& part);
  // Commits `v`, whose segments are parts of the upload, and ends the upload
  // (MetadataStore::complete_upload). Only metadata is written, whatever the size.
  StoreResult<ObjectVersion> complete_upload(std::string_view bucket, std::string_view upload_id,
                                             const NewVersion& v, const WritePreconditions& pre);
  StoreResult<void> abort_upload(std::string_view bucket, std::string_view key,
                                 std::string_view upload_id);
  // Aborts every upload with no activity since `idle_since_ns` (the expiry
  // sweep); returns how many were removed.
  StoreResult<size_t> abort_idle_uploads(int64_t idle_since_ns);

  // Applies one lifecycle expiry (MetadataStore::expire_version) and removes
  // the blobs whose last reference it dropped.
  StoreResult<DeleteOutcome> expire_version(std::string_view bucket, const ExpiryTarget& target);

  // Looks the version up and opens its blobs. A delete marker comes back with
  // no segments; the caller decides what that means.
  StoreResult<OpenedObject> open_object(std::string_view bucket, std::string_view key,
                                        std::string_view version_id = {});

  // --- Model tags (tag_types.h). Pinning takes blob references, moving or
  // deleting a tag releases them: under the same mutex, with the same
  // guarantees, as versions.
  StoreResult<TagWriteOutcome> set_tag(std::string_view bucket, const TagWrite& w,
                                       const TagPreconditions& pre);
  StoreResult<TagWriteOutcome> delete_tag(std::string_view bucket, std::string_view key,
                                          const std::string& actor, int64_t now_ns,
                                          const TagPreconditions& pre);
  // Opens the blobs of a version a tag pins (TagRecord::pins). kNoSuchKey when
  // one is gone: the tag moved since it was read, so read it again.
  StoreResult<OpenedObject> open_pinned(const ObjectVersion& pinned);

 private:
  StoreResult<void> remove_released(const std::vector<std::string>& released) REQUIRES(link_mutex_);

  std::unique_ptr<MetadataStore> metadata_;
  std::unique_ptr<BlobStore> blobs_;
  // Held from linking a blob (or finding one referenced) until the metadata
  // commit that references it, and while released blobs are removed: the order
  // that keeps a referenced blob from being deleted. Reads do not take it.
  Mutex link_mutex_;
};

}  // namespace moss::store
