// What moss knows about buckets and objects, apart from the bytes: the bucket
// list, every object version with its attributes and segments, blob reference
// counts, and the ordered key index listings scan.
//
// The interface is at the level of whole operations, each atomic (one
// transaction), so that a different backend (PostgreSQL for several replicas)
// can implement it without the callers changing. Thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "moss/store/lifecycle_types.h"
#include "moss/store/object_types.h"
#include "moss/store/store_error.h"
#include "moss/store/tag_types.h"
#include "moss/store/upload_types.h"

namespace moss::store {

// A new version (or delete marker) to record; the store assigns its version id
// and row id according to the bucket's versioning state.
struct NewVersion {
  std::string key;
  std::vector<BlobSegment> segments;
  uint64_t size = 0;
  std::string etag;
  std::string content_sha256;
  std::string owner;
  int64_t last_modified_ns = 0;
  ObjectAttributes attributes;
  std::string model_metadata;  // ObjectVersion::model_metadata
  // Every segment names a blob stored before and still referenced (a copy):
  // the commit takes its references only if each still has one, in its own
  // transaction, else kNoSuchKey. A blob nothing references may be
  // collected by another replica at any time (ObjectStore::collect_garbage).
  bool reuses_referenced_blobs = false;
};

// Conditions on the key's current (latest, not deleted) version, checked
// inside the write transaction, as S3's conditional writes: "*" or an ETag
// (unquoted) in either.
struct WritePreconditions {
  // No current object -> kNoSuchKey; "*" holds for any, an ETag for that one
  // only, else kPreconditionFailed.
  std::optional<std::string> if_match;
  // "*": any current object -> kPreconditionFailed; an ETag: a current object
  // with that ETag -> kPreconditionFailed. No current object always holds.
  std::optional<std::string> if_none_match;
  bool any() const { return if_match || if_none_match; }
};

// The error `pre` makes of a write over `current` (the key's latest version,
// null when there is none; a delete marker counts as none), or nullopt when
// the write may go ahead. Every MetadataStore checks its preconditions with it.
std::optional<StoreErrc> violated_precondition(const WritePreconditions& pre,
                                               const ObjectVersion* current);

struct CommitOutcome {
  ObjectVersion version;
  // Blobs whose last reference went away: ObjectStore removes their files.
  std::vector<std::string> released_blobs;
};

struct DeleteOutcome {
  std::string version_id;      // of the version removed or the marker created; may be empty
  bool delete_marker = false;  // a marker was created, or the removed version was one
  std::vector<std::string> released_blobs;
};

struct ListQuery {
  std::string prefix;
  std::string delimiter;
  // Exclusive lower bound (start-after, marker, or a continuation point). When a
  // delimiter is set, a common prefix not greater than the marker is skipped
  // whole, so a marker equal to a returned common prefix resumes after it.
  std::string marker;
  int max_keys = 1000;
};

struct ListPage {
  // Segments and attributes not loaded. Model tags (tag_types.h) are listed
  // among the objects in key order, marked is_tag.
  std::vector<ObjectVersion> objects;
  std::vector<std::string> common_prefixes;
  bool truncated = false;
  std::string next_marker;  // the last key or common prefix in this page
};

// Held by a writer from before it links a blob until the commit that
// references it: while any process holds one on a blob, no garbage collection
// removes that blob (MetadataStore::remove_blob_if_unreferenced). Released
// when destroyed, or when the process holding it dies.
class BlobLinkHold {
 public:
  virtual ~BlobLinkHold() = default;
};

class MetadataStore {
 public:
  virtual ~MetadataStore() = default;

  virtual StoreResult<Bucket> create_bucket(const std::string& name, const std::string& owner,
                                            int64_t now_ns) = 0;
  virtual StoreResult<Bucket> get_bucket(std::string_view name) = 0;
  virtual StoreResult<std::vector<Bucket>> list_buckets() = 0;
  // kBucketNotEmpty while any version or tag remains. Uploads in progress
  // are removed with the bucket; returns the blobs released by that.
  virtual StoreResult<std::vector<std::string>> delete_bucket(std::string_view name) = 0;
  virtual StoreResult<void> set_versioning(std::string_view bucket, VersioningState state) = 0;
  // The canned ACLs (Bucket::public_read, ObjectAttributes::public_read). An
  // object's is set on one version: the latest when `version_id` is empty
  // (kNoSuchKey when that is missing or a delete marker), else that one
  // (kNoSuchVersion; a delete marker has no ACL: kInvalidArgument).
  virtual StoreResult<void> set_bucket_public_read(std::string_view bucket, bool public_read) = 0;
  virtual StoreResult<void> set_object_public_read(std::string_view bucket, std::string_view key,
                                                   std::string_view version_id,
                                                   bool public_read) = 0;

  // The latest version when `version_id` is empty (which may be a delete
  // marker: the caller decides what that means), else that version.
  virtual StoreResult<ObjectVersion> get_version(std::string_view bucket, std::string_view key,
                                                 std::string_view version_id = {}) = 0;

  // Records a new version referencing `v.segments` (their blobs must already be
  // linked; their reference counts go up) and supersedes or replaces the
  // previous one as the bucket's versioning state says.
  virtual StoreResult<CommitOutcome> commit_version(std::string_view bucket, const NewVersion& v,
                                                    const WritePreconditions& pre) = 0;

  // Without a version id: removes the key (unversioned) or adds a delete marker.
  // With one: removes exactly that version. A missing key is not an error.
  virtual StoreResult<DeleteOutcome> delete_object(std::string_view bucket, std::string_view key,
                                                   std::string_view version_id = {}) = 0;

  // Latest, non-deleted objects in UTF-8 byte order, by an ordered index scan
  // that skips each common prefix in one seek.
  virtual StoreResult<ListPage> list_objects(std::string_view bucket, const ListQuery& q) = 0;

  virtual StoreResult<bool> blob_referenced(const std::string& sha256_hex) = 0;

  // --- Multipart uploads (upload_types.h). An upload id names an upload of one
  // key; naming it with another key (or bucket) is kNoSuchUpload, as a missing,
  // completed or aborted upload is.

  // Records `upload` (its upload_id is assigned) and returns it.
  virtual StoreResult<MultipartUpload> create_upload(std::string_view bucket,
                                                     const MultipartUpload& upload) = 0;
  virtual StoreResult<MultipartUpload> get_upload(std::string_view bucket, std::string_view key,
                                                  std::string_view upload_id) = 0;
  // Records a part (its blob must already be linked; its reference count goes
  // up), replacing one of the same number. Returns the blobs whose last
  // reference went away (the replaced part's, unless still used elsewhere).
  virtual StoreResult<std::vector<std::string>> put_part(std::string_view bucket,
                                                         std::string_view key,
                                                         std::string_view upload_id,
                                                         const UploadPart& part) = 0;
  virtual StoreResult<PartListPage> list_parts(std::string_view bucket, std::string_view key,
                                               std::string_view upload_id,
                                               const PartListQuery& q) = 0;
  virtual StoreResult<UploadListPage> list_uploads(std::string_view bucket,
                                                   const UploadListQuery& q) = 0;
  // In one transaction: commits `v` exactly as commit_version does, and removes
  // the upload, releasing the parts `v` does not use. Each segment of `v` must
  // be a part of the upload as recorded now (same number and blob), else
  // kInvalidPart: a part replaced since the caller looked is not silently used.
  virtual StoreResult<CommitOutcome> complete_upload(std::string_view bucket,
                                                     std::string_view upload_id,
                                                     const NewVersion& v,
                                                     const WritePreconditions& pre) = 0;
  // A CompleteMultipartUpload retried after it succeeded: the version
  // complete_upload made of `upload_id` (of `key`), while it is still the
  // key's latest version and was completed less than a day ago. Else
  // kNoSuchUpload, as for an upload that never was. Completions older than
  // that are forgotten as later ones are recorded.
  virtual StoreResult<ObjectVersion> find_completed_upload(std::string_view bucket,
                                                           std::string_view key,
                                                           std::string_view upload_id) = 0;
  // Removes the upload and its parts; returns the blobs released.
  virtual StoreResult<std::vector<std::string>> abort_upload(std::string_view bucket,
                                                             std::string_view key,
                                                             std::string_view upload_id) = 0;
  // Uploads, in any bucket, with no activity (Create or UploadPart) since
  // `idle_since_ns`; at most `limit`.
  virtual StoreResult<std::vector<UploadRef>> list_idle_uploads(int64_t idle_since_ns,
                                                                int limit) = 0;

  // --- Model tags (tag_types.h), by the key the model layer built.

  // kNoSuchKey when the tag does not exist.
  virtual StoreResult<TagRecord> get_tag(std::string_view bucket, std::string_view key) = 0;
  virtual StoreResult<std::vector<TagRecord>> list_tags(std::string_view bucket,
                                                        const TagListQuery& q) = 0;
  // In one transaction: checks `pre` (kPreconditionFailed), pins the versions
  // `w.pins` names (kNoSuchKey if one is gone or a delete marker), takes a
  // hold on each snapshot of `w.snapshots` (creating or re-pinning it as
  // SnapshotWrite says; kNoSuchKey as for pins), releases the pins and
  // snapshot holds of the tag's previous state, writes the tag and appends a
  // history row.
  virtual StoreResult<TagWriteOutcome> set_tag(std::string_view bucket, const TagWrite& w,
                                               const TagPreconditions& pre) = 0;
  // The same for removing a tag (kNoSuchKey when it does not exist), its
  // snapshot holds released too; the
  // history row records `actor` and `now_ns`.
  virtual StoreResult<TagWriteOutcome> delete_tag(std::string_view bucket, std::string_view key,
                                                  const std::string& actor, int64_t now_ns,
                                                  const TagPreconditions& pre) = 0;
  // Newest first; at most `limit` entries with seq below `before_seq` (0: from the newest).
  virtual StoreResult<std::vector<TagHistoryEntry>> tag_history(std::string_view bucket,
                                                                std::string_view key,
                                                                int64_t before_seq, int limit) = 0;

  // --- Snapshots (snapshot_types.h), created and held by set_tag.

  // The snapshot of `model` whose identity is `id`, or (40 hex digits) starts
  // with `id`; kNoSuchKey when there is none (or, for 40 digits, several).
  virtual StoreResult<SnapshotRecord> get_snapshot(std::string_view bucket, std::string_view model,
                                                   std::string_view id) = 0;
  // Its files in path order, within q's window.
  virtual StoreResult<std::vector<SnapshotFile>> list_snapshot_files(
      std::string_view bucket, std::string_view model, std::string_view id,
      const SnapshotFileQuery& q) = 0;
  // One file; kNoSuchKey when the snapshot has no such path.
  virtual StoreResult<SnapshotFile> get_snapshot_file(std::string_view bucket,
                                                      std::string_view model, std::string_view id,
                                                      std::string_view path) = 0;
  // Snapshots, in any bucket, that lost their last tag before
  // `unheld_before_ns` and still hold their files' blob references: drops
  // those references (snapshot_types.h), at most `limit` snapshots per call.
  virtual StoreResult<SnapshotReleases> release_unheld_snapshots(int64_t unheld_before_ns,
                                                                 int limit) = 0;

  // Records the SHA-256 of a version whose bytes were hashed after it was
  // stored (a multipart object's), named by its row id (ObjectVersion::row_id,
  // never reused: an overwrite of a "null" version is another row); a no-op
  // if that row is gone, is not of `key`, or already has one.
  virtual StoreResult<void> set_content_sha256(std::string_view bucket, std::string_view key,
                                               int64_t row_id, const std::string& sha256_hex) = 0;

  // --- Versions and lifecycle rules (lifecycle_types.h, docs/versioning.md).

  // ListObjectVersions: every version and delete marker, keys in UTF-8 byte
  // order, each key's versions newest first; common prefixes as list_objects.
  virtual StoreResult<VersionListPage> list_versions(std::string_view bucket,
                                                     const VersionListQuery& q) = 0;
  // Replaces the bucket's lifecycle rules (validated by the caller).
  virtual StoreResult<void> put_lifecycle(std::string_view bucket,
                                          const std::vector<LifecycleRule>& rules) = 0;
  // nullopt when the bucket has no lifecycle configuration.
  virtual StoreResult<std::optional<std::vector<LifecycleRule>>> get_lifecycle(
      std::string_view bucket) = 0;
  // Removing a configuration that is not there is not an error.
  virtual StoreResult<void> delete_lifecycle(std::string_view bucket) = 0;
  // The names of the buckets that have a lifecycle configuration.
  virtual StoreResult<std::vector<std::string>> list_lifecycle_buckets() = 0;
  // Applies one expiry a lifecycle run decided on, in one transaction that
  // first checks the version is still in the state the decision assumed
  // (ExpiryKind) and is still the row the decision was made on (same row id
  // and version id: ExpiryTarget); if not, nothing changes and the outcome
  // is empty.
  virtual StoreResult<DeleteOutcome> expire_version(std::string_view bucket,
                                                    const ExpiryTarget& target) = 0;

  // --- Several processes on one store (PostgreSQL; an embedded store has one).

  // A hold on the blob `sha256_hex` (BlobLinkHold), shared with other
  // writers; waits while a collection is removing that blob. An embedded
  // store has none: its one process orders linking and removing itself.
  virtual StoreResult<std::unique_ptr<BlobLinkHold>> hold_blob_link(
      const std::string& sha256_hex) {
    (void)sha256_hex;
    return std::unique_ptr<BlobLinkHold>();
  }
  // Garbage collection of one blob: when no writer holds it and no committed
  // row references it, runs `remove` with writers kept away until it returns
  // (remove may still decline: false). Whether the blob was removed.
  virtual StoreResult<bool> remove_blob_if_unreferenced(const std::string& sha256_hex,
                                                        const std::function<bool()>& remove) {
    auto referenced = blob_referenced(sha256_hex);
    if (!referenced) return fail(referenced.error());
    return !*referenced && remove();
  }

  // Whether this process should run the background work now; one process at a
  // time does, and another takes over when it dies.
  virtual bool hold_background_lock() { return true; }
  // Whether the store answers now; the reason when it does not.
  virtual StoreResult<void> check_available() { return {}; }
};

}  // namespace moss::store
