// The one door to storage for every layer above store/: buckets, object
// versions, multipart uploads and model tags, with their metadata and blobs
// kept consistent. Everything it offers is safe to call; there is no way
// through it to the metadata store or the blob store alone.
//
// What must hold: a blob file exists whenever a committed version, a part of a
// multipart upload in progress or a model tag references it, and a write is
// acknowledged only when its blob and its metadata are both durable. Linking a
// new blob, committing what references it, and removing blobs whose last
// reference went away happen under one mutex, so a blob being removed can
// never be the one a concurrent write is relying on; across replicas a hold
// in the shared database does the same (collect_garbage). Reads take no lock: blobs
// are immutable and an open descriptor survives the file's removal.
//
// Writes that touch no blob (buckets, versioning, lifecycle rules, creating an
// upload, recording a SHA-256) are the metadata store's, passed on as they are
// (object_store_metadata.cpp); reads likewise. Thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "moss/store/blob_store.h"
#include "moss/store/metadata_store.h"
#include "moss/util/mutex.h"

namespace moss {
class Metrics;
}

namespace moss::store {

// A version and descriptors of its segments' blobs, in order.
struct OpenedObject {
  ObjectVersion version;
  std::vector<SharedFd> segments;
};

class SmallBodyCache;

class ObjectStore {
 public:
  ObjectStore(std::unique_ptr<MetadataStore> metadata, std::unique_ptr<BlobStore> blobs);
  ~ObjectStore();

  // SQLite metadata (<data>/moss.db) and local blobs (<data>/blobs), after a
  // sweep of what an earlier crash may have left: temporary files and blobs no
  // version references.
  static StoreResult<std::unique_ptr<ObjectStore>> open_local(const std::string& data_dir);

  // `metadata` is "sqlite" (open_local) or a PostgreSQL DSN (postgresql://...),
  // whose database several replicas share along with `data_dir`, mounted by
  // all (docs/replicas.md). Shared, nothing is swept at startup and a released
  // blob is not removed at once: another replica may be between linking the
  // same bytes and committing a reference to them. collect_garbage() removes
  // blob files nothing has referenced for a grace period instead.
  static StoreResult<std::unique_ptr<ObjectStore>> open(const std::string& data_dir,
                                                        const std::string& metadata);

  // Whether the data directory is shared with other replicas (PostgreSQL metadata).
  bool shared() const { return shared_; }
  // Whether this replica is the one that runs background work now (lifecycle,
  // upload expiry, garbage collection): always with SQLite; with PostgreSQL,
  // the replica holding the database's advisory lock, taken over by another
  // when it dies.
  bool runs_background_work() { return metadata_->hold_background_lock(); }
  // Removes blob files no committed row references whose file was last linked
  // more than `grace` ago; returns how many. A blob a writer of any replica
  // holds (linked, its commit not yet returned) is skipped: each writer holds
  // the blob it links until its commit (MetadataStore::hold_blob_link), and a
  // copy takes its references only from blobs still referenced. The grace
  // period is a second line: a hold lost with its database session.
  StoreResult<size_t> collect_garbage(std::chrono::seconds grace);
  // Whether the metadata database answers now (readiness); the reason if not.
  StoreResult<void> check_metadata() { return metadata_->check_available(); }

  // --- Buckets and their configuration (MetadataStore says what each does).
  StoreResult<Bucket> create_bucket(const std::string& name, const std::string& owner,
                                    int64_t now_ns);
  StoreResult<Bucket> get_bucket(std::string_view name);
  StoreResult<std::vector<Bucket>> list_buckets();
  // kBucketNotEmpty while any version or tag remains; uploads in progress
  // are discarded with the bucket and their parts' blobs removed.
  StoreResult<void> delete_bucket(std::string_view name);
  StoreResult<void> set_versioning(std::string_view bucket, VersioningState state);
  StoreResult<void> set_bucket_public_read(std::string_view bucket, bool public_read);
  StoreResult<void> set_object_public_read(std::string_view bucket, std::string_view key,
                                           std::string_view version_id, bool public_read);
  StoreResult<void> put_lifecycle(std::string_view bucket, const std::vector<LifecycleRule>& rules);
  StoreResult<std::optional<std::vector<LifecycleRule>>> get_lifecycle(std::string_view bucket);
  StoreResult<void> delete_lifecycle(std::string_view bucket);
  StoreResult<std::vector<std::string>> list_lifecycle_buckets();

  // --- Object versions. Without a version id, get_version returns the latest,
  // which may be a delete marker: the caller decides what that means.
  StoreResult<ObjectVersion> get_version(std::string_view bucket, std::string_view key,
                                         std::string_view version_id = {});
  StoreResult<ListPage> list_objects(std::string_view bucket, const ListQuery& q);
  StoreResult<VersionListPage> list_versions(std::string_view bucket, const VersionListQuery& q);
  // Records the SHA-256 of a version hashed after it was stored (a multipart
  // object's), named by its row id (never reused); a no-op if the version is
  // gone or already has one.
  StoreResult<void> set_content_sha256(std::string_view bucket, std::string_view key,
                                       int64_t row_id, const std::string& sha256_hex);

  // --- Small bodies served from memory (src/store/small_body_cache.h).
  // The whole body of `version` when it is a single blob of at most 64 KiB,
  // kept in memory after its first read from `fd` (that blob's descriptor,
  // from open_object); null when it is not kept (larger, in several parts,
  // the cache off, or the read came up short): the caller reads `fd` then.
  std::shared_ptr<const std::string> small_body(const ObjectVersion& version, int fd);
  // The bytes of small bodies kept at most; 0 keeps none. Set before serving.
  void set_small_body_cache_bytes(size_t bytes);
  // The cache's hits, misses and size in /metrics (moss_small_object_cache_*).
  // `metrics` renders through this store: it must not outlive it.
  void add_metrics_to(Metrics& metrics);
  static constexpr size_t kDefaultSmallBodyCacheBytes = size_t{64} << 20;

  // A blob to write a new object's or part's bytes into, before put_object or
  // put_part links it.
  StoreResult<std::unique_ptr<BlobWriter>> begin_blob(std::vector<DigestAlgorithm> extra_digests);
  // What begin_blob's writer may still write before the disk is full (nullopt:
  // unknown); see BlobStore::available_bytes.
  std::optional<uint64_t> blob_bytes_available() const { return blobs_->available_bytes(); }

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

  // Records `upload` (its upload_id is assigned); no blob yet.
  StoreResult<MultipartUpload> create_upload(std::string_view bucket,
                                             const MultipartUpload& upload);
  StoreResult<MultipartUpload> get_upload(std::string_view bucket, std::string_view key,
                                          std::string_view upload_id);
  StoreResult<PartListPage> list_parts(std::string_view bucket, std::string_view key,
                                       std::string_view upload_id, const PartListQuery& q);
  StoreResult<UploadListPage> list_uploads(std::string_view bucket, const UploadListQuery& q);
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
  StoreResult<ObjectVersion> find_completed_upload(std::string_view bucket, std::string_view key,
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

  // Opens the blobs of `segments`, in order (a model file's header read before
  // its upload is completed). kNoSuchKey when one is gone.
  StoreResult<std::vector<SharedFd>> open_segments(const std::vector<BlobSegment>& segments);

  // --- Model tags (tag_types.h). Pinning takes blob references, moving or
  // deleting a tag releases them: under the same mutex, with the same
  // guarantees, as versions.
  StoreResult<TagWriteOutcome> set_tag(std::string_view bucket, const TagWrite& w,
                                       const TagPreconditions& pre);
  StoreResult<TagWriteOutcome> delete_tag(std::string_view bucket, std::string_view key,
                                          const std::string& actor, int64_t now_ns,
                                          const TagPreconditions& pre);
  // kNoSuchKey when the tag does not exist.
  StoreResult<TagRecord> get_tag(std::string_view bucket, std::string_view key);
  StoreResult<std::vector<TagRecord>> list_tags(std::string_view bucket, const TagListQuery& q);
  // Newest first; at most `limit` entries with seq below `before_seq` (0: from the newest).
  StoreResult<std::vector<TagHistoryEntry>> tag_history(std::string_view bucket,
                                                        std::string_view key, int64_t before_seq,
                                                        int limit);
  // Snapshots (snapshot_types.h): read only; set_tag creates and holds them.
  StoreResult<SnapshotRecord> get_snapshot(std::string_view bucket, std::string_view model,
                                           std::string_view id);
  StoreResult<std::vector<SnapshotFile>> list_snapshot_files(std::string_view bucket,
                                                             std::string_view model,
                                                             std::string_view id,
                                                             const SnapshotFileQuery& q);
  StoreResult<SnapshotFile> get_snapshot_file(std::string_view bucket, std::string_view model,
                                              std::string_view id, std::string_view path);
  // Drops the blob references of every snapshot no tag has held since before
  // `unheld_before_ns` (the retention has passed) and removes the blobs that
  // nothing else references. Returns how many snapshots and blobs.
  StoreResult<SnapshotReleases> release_unheld_snapshots(int64_t unheld_before_ns);
  // Opens the blobs of a version a tag pins (TagRecord::pins or a snapshot's file). kNoSuchKey when
  // one is gone: the tag moved since it was read, so read it again.
  StoreResult<OpenedObject> open_pinned(const ObjectVersion& pinned);

  // Tests only: runs `hook` in every write that references blobs, after the
  // blob is linked (or found stored) and before the metadata commit, the
  // moment another replica's garbage collection must not take the blob away.
  void set_before_commit_hook_for_testing(std::function<void()> hook) {
    before_commit_for_testing_ = std::move(hook);
  }

 private:
  void before_commit() {
    if (before_commit_for_testing_) before_commit_for_testing_();
  }
  StoreResult<void> remove_released(const std::vector<std::string>& released) REQUIRES(link_mutex_);
  StoreResult<std::unique_ptr<BlobLinkHold>> hold_for_link(const std::string& sha);
  // Runs a metadata change whose outcome names the blobs it released, under
  // the link mutex, then removes those blobs. A removal that fails leaves an
  // orphan for the startup sweep, never a reference to a missing file.
  template <class Change>
  auto change_and_release(Change&& change) -> decltype(change()) {
    MutexLock lock(link_mutex_);
    auto outcome = change();
    if (outcome) (void)remove_released(outcome->released_blobs);
    return outcome;
  }

  std::unique_ptr<MetadataStore> metadata_;
  std::unique_ptr<BlobStore> blobs_;
  std::unique_ptr<SmallBodyCache> small_bodies_;
  bool shared_ = false;
  // Held from linking a blob (or finding one referenced) until the metadata
  // commit that references it, and while released blobs are removed: the order
  // that keeps a referenced blob from being deleted. Reads do not take it.
  Mutex link_mutex_;
  std::function<void()> before_commit_for_testing_;
};

}  // namespace moss::store
