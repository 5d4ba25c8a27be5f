// The model layer's facade (docs/models.md): tags that resolve through other
// tags to pinned files, their history and rollback, and models listed with
// their tags and files. The S3 layer uses it for tag keys and the registry API.
//
// Tag writes (set, delete, rollback) are serialized by one mutex, so the check
// that a change makes no loop and no over-long chain sees every tag as it will
// be. Pinning happens in the store transaction that writes the tag: a file
// overwritten between the lookup and that transaction is looked up again.
//
// Every method blocks on the store: call writes from the blocking pool.
// set_tag may read a whole file once, to compute the SHA-256 of a multipart
// object that has none yet. Thread-safe.
#pragma once

#include <atomic>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "moss/models/model_error.h"
#include "moss/models/snapshot.h"
#include "moss/models/tag_target.h"
#include "moss/store/object_store.h"
#include "moss/util/mutex.h"

namespace moss {
class Metrics;
}  // namespace moss

namespace moss::models {

// What a tag resolves to for one client.
struct ResolvedTag {
  std::vector<std::string> chain;  // {"latest", "v2", "2024-03-20/x.gguf"}
  std::string chosen_target;       // the first weighted choice on the way; empty if none
  // The pinned version: key, version id, size, ETag, SHA-256, attributes,
  // model metadata and segments, as they were when the tag was set. Empty
  // when the tag resolves to a snapshot.
  store::ObjectVersion file;
  // Set when the tag resolves to a directory target: the snapshot it pinned.
  std::optional<store::SnapshotRecord> snapshot;
};

// A tag as the registry API shows it.
struct TagView {
  std::string bucket;
  store::TagRecord record;
  std::vector<TagTarget> targets;
  // What each target resolves to; nullopt where it does not (a tag deleted since).
  std::vector<std::optional<ResolvedTag>> target_resolutions;
  std::optional<ResolvedTag> resolved;  // for the asking client
  std::string unresolved_reason;        // why `resolved` is empty
  // The files of `resolved->snapshot`, in path order, when it has one.
  std::vector<store::SnapshotFile> snapshot_files;
};

struct OpenedTag {
  ResolvedTag resolved;
  store::OpenedObject opened;  // descriptors of the pinned blobs
  std::string tag_etag;        // of the tag asked for
};

// The snapshot a folder (SnapshotAddress) names for one client.
struct FolderSnapshot {
  // Through a tag: its chain, weighted choice and snapshot; by identity: the
  // snapshot alone (empty chain).
  ResolvedTag resolved;
  std::string tag_etag;  // of the tag asked for; empty by identity
  const store::SnapshotRecord& snapshot() const { return *resolved.snapshot; }
};

struct OpenedSnapshotFile {
  store::SnapshotFile file;
  store::OpenedObject opened;  // descriptors of the pinned blobs
};

struct ModelView {
  std::string bucket;
  std::string name;
  std::vector<TagView> tags;
  // Latest versions of the objects under "<name>/" (tags excluded), with
  // their SHA-256 (when known) and model metadata.
  std::vector<store::ObjectVersion> files;
  bool files_truncated = false;
};

// Who changes a tag, and on what condition.
struct TagChange {
  std::string actor;      // access key id, recorded in the history
  std::string client_id;  // whose resolution the returned view shows
  store::TagPreconditions pre;
};

struct PlannedTarget;  // tag_writes.cpp

// Who reads an object's bytes to record its SHA-256: a tag write naming a
// file not hashed yet, or the background hasher (models/content_hasher.h).
enum class HashedBy { kTagWrite, kBackground };

class ModelRegistry {
 public:
  explicit ModelRegistry(store::ObjectStore& store);

  // --- Reading through tags.
  ModelResult<ResolvedTag> resolve(std::string_view bucket, std::string_view model,
                                   std::string_view tag, std::string_view client_id);
  // Resolves and opens the pinned blobs, resolving again if the tag moved in between.
  ModelResult<OpenedTag> open(std::string_view bucket, std::string_view model, std::string_view tag,
                              std::string_view client_id);
  ModelResult<TagView> get_tag(std::string_view bucket, std::string_view model,
                               std::string_view tag, std::string_view client_id);

  // --- Reading snapshots as folders (models/snapshot.h).
  // The snapshot `folder` names: its tag's (nullopt when there is no such tag
  // or it resolves to a file), or the model's snapshot of that identity
  // (nullopt when there is none).
  ModelResult<std::optional<FolderSnapshot>> folder_snapshot(std::string_view bucket,
                                                             const SnapshotAddress& folder,
                                                             std::string_view client_id);
  // One file of it, its pinned blobs opened; kNoSuchKey when the snapshot has
  // no such path or its bytes are gone (a tag that moved since: ask again).
  ModelResult<OpenedSnapshotFile> open_snapshot_file(std::string_view bucket,
                                                     const store::SnapshotRecord& snapshot,
                                                     std::string_view path);
  // ListObjects over the snapshot shown under `folder`: `q` in full keys
  // (its prefix starts with `folder`), the page's keys are folder + path and
  // carry the pinned size, ETag and time.
  ModelResult<store::ListPage> list_snapshot_folder(std::string_view bucket,
                                                    const store::SnapshotRecord& snapshot,
                                                    std::string_view folder,
                                                    const store::ListQuery& q);
  // Every file of a snapshot, in path order.
  ModelResult<std::vector<store::SnapshotFile>> snapshot_files(
      std::string_view bucket, const store::SnapshotRecord& snapshot);

  // --- Changing tags. Each records a history entry.
  ModelResult<TagView> set_tag(std::string_view bucket, std::string_view model,
                               std::string_view tag, const std::vector<TargetRequest>& targets,
                               const TagChange& change);
  ModelResult<void> delete_tag(std::string_view bucket, std::string_view model,
                               std::string_view tag, const TagChange& change);
  // Moves the tag back to the targets it had before its latest change, or to
  // those history entry `to` set; file targets pin the very versions they
  // pinned then (kInvalidTagTarget when those bytes are no longer stored).
  ModelResult<TagView> rollback(std::string_view bucket, std::string_view model,
                                std::string_view tag, std::optional<int64_t> to,
                                const TagChange& change);
  // Newest first.
  ModelResult<std::vector<store::TagHistoryEntry>> history(std::string_view bucket,
                                                           std::string_view model,
                                                           std::string_view tag, int limit);

  // Records the SHA-256 of `version`'s bytes unless it has one (objects
  // completed from multipart uploads are stored without). Nothing is recorded
  // when the version was replaced meanwhile, or when `stop` is requested
  // before the last byte is read (then the result is an error). The bytes
  // read count in moss_content_sha256_read_bytes_total{by} (add_metrics_to).
  ModelResult<void> ensure_content_sha256(std::string_view bucket,
                                          const store::ObjectVersion& version,
                                          std::stop_token stop = {},
                                          HashedBy by = HashedBy::kTagWrite);

  // Declares moss_content_sha256_read_bytes_total{by="tag"|"background"} in
  // `metrics` and counts into it from then on: how much stored data was read
  // to hash it, so an operator (and a test) sees that tagging files already
  // hashed reads none. `metrics` must outlive this registry.
  void add_metrics_to(Metrics& metrics);

  // --- Models: the model paths that have tags, or (get_model) objects.
  ModelResult<std::vector<ModelView>> list_models(std::string_view bucket,
                                                  std::string_view client_id);
  ModelResult<ModelView> get_model(std::string_view bucket, std::string_view name,
                                   std::string_view client_id);

 private:
  ModelResult<TagView> write_tag(std::string_view bucket, std::string_view model,
                                 std::string_view tag, const std::vector<PlannedTarget>& plan,
                                 const TagChange& change, const char* action);
  ModelResult<TagView> make_view(std::string_view bucket, const store::TagRecord& record,
                                 std::string_view client_id);
  ModelResult<ModelView> make_model_view(std::string_view bucket, std::string_view name,
                                         const std::vector<store::TagRecord>& tags,
                                         std::string_view client_id);

  store::ObjectStore& store_;
  std::atomic<Metrics*> metrics_{nullptr};
  Mutex write_mutex_;  // one tag write at a time: plan, check and commit as one step
};

}  // namespace moss::models
