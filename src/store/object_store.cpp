#include "moss/store/object_store.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>

#include "moss/store/local_blob_store.h"
#include "moss/store/postgres_metadata_store.h"
#include "moss/store/sqlite_metadata_store.h"
#include "moss/util/clock.h"
#include "moss/util/fs.h"
#include "moss/util/metrics.h"
#include "small_body_cache.h"

namespace moss::store {

ObjectStore::ObjectStore(std::unique_ptr<MetadataStore> metadata, std::unique_ptr<BlobStore> blobs)
    : metadata_(std::move(metadata)),
      blobs_(std::move(blobs)),
      small_bodies_(std::make_unique<SmallBodyCache>(kDefaultSmallBodyCacheBytes)) {}

ObjectStore::~ObjectStore() = default;

void ObjectStore::set_small_body_cache_bytes(size_t bytes) {
  small_bodies_ = std::make_unique<SmallBodyCache>(bytes);
}

std::shared_ptr<const std::string> ObjectStore::small_body(const ObjectVersion& version, int fd) {
  if (version.segments.size() != 1 || version.size != version.segments[0].size ||
      version.size > SmallBodyCache::kMaxBodyBytes || small_bodies_->budget_bytes() == 0) {
    return nullptr;
  }
  const std::string& sha256 = version.segments[0].sha256;
  if (auto body = small_bodies_->find(sha256)) return body;
  auto body = std::make_shared<std::string>(version.size, '\0');
  // A short read: the caller's own read reports what is wrong.
  if (pread_full(fd, body->data(), body->size(), 0).got != body->size()) return nullptr;
  small_bodies_->insert(sha256, body);
  return body;
}

void ObjectStore::add_metrics_to(Metrics& metrics) {
  metrics.add_counter("moss_small_object_cache_hits_total",
                      "Small-object GETs served from memory (--small-object-cache)",
                      [this] { return small_bodies_->stats().hits; });
  metrics.add_counter("moss_small_object_cache_misses_total",
                      "Small-object GETs not found in memory, so read from disk",
                      [this] { return small_bodies_->stats().misses; });
  metrics.add_gauge("moss_small_object_cache_bytes", "Bytes of small objects kept in memory",
                    [this] { return static_cast<double>(small_bodies_->stats().bytes); });
  metrics.add_gauge("moss_small_object_cache_entries", "Small objects kept in memory",
                    [this] { return static_cast<double>(small_bodies_->stats().entries); });
}

StoreResult<std::unique_ptr<ObjectStore>> ObjectStore::open_local(const std::string& data_dir) {
  if (auto ec = make_directories(data_dir)) {
    return store_fail(StoreErrc::kIo, "create " + data_dir + ": " + ec.message());
  }
  auto metadata = SqliteMetadataStore::open(data_dir + "/moss.db");
  if (!metadata) return fail(metadata.error());
  auto blobs = LocalBlobStore::open(data_dir);
  if (!blobs) return fail(blobs.error());
  auto store = std::make_unique<ObjectStore>(std::move(*metadata), std::move(*blobs));

  // A crash between a commit that dropped a blob's last reference and the
  // unlink of its file, or between linking a blob and committing its version,
  // leaves a file nobody references. Nothing else runs yet, so removing them is safe.
  auto all = store->blobs_->list_all();
  if (!all) return fail(all.error());
  size_t orphans = 0;
  for (const auto& sha : *all) {
    auto referenced = store->metadata_->blob_referenced(sha);
    if (!referenced) return fail(referenced.error());
    if (!*referenced) {
      (void)store->blobs_->remove(sha);
      ++orphans;
    }
  }
  if (orphans) spdlog::info("removed {} unreferenced blob(s) left by an earlier run", orphans);
  return store;
}

StoreResult<std::unique_ptr<ObjectStore>> ObjectStore::open(const std::string& data_dir,
                                                            const std::string& metadata) {
  if (metadata.empty() || metadata == "sqlite") return open_local(data_dir);
  if (metadata.rfind("postgresql://", 0) != 0 && metadata.rfind("postgres://", 0) != 0) {
    return store_fail(StoreErrc::kInvalidArgument,
                      "metadata must be \"sqlite\" or a postgresql:// URI");
  }
  if (auto ec = make_directories(data_dir)) {
    return store_fail(StoreErrc::kIo, "create " + data_dir + ": " + ec.message());
  }
  auto database = PostgresMetadataStore::open(metadata);
  if (!database) return fail(database.error());
  auto blobs = LocalBlobStore::open(data_dir, /*shared=*/true);
  if (!blobs) return fail(blobs.error());
  auto store = std::make_unique<ObjectStore>(std::move(*database), std::move(*blobs));
  store->shared_ = true;
  return store;
}

StoreResult<size_t> ObjectStore::collect_garbage(std::chrono::seconds grace) {
  auto all = blobs_->list_all();
  if (!all) return fail(all.error());
  const int64_t linked_before =
      now_unix_nanos() - std::chrono::duration_cast<std::chrono::nanoseconds>(grace).count();
  auto linked_long_ago = [&](const std::string& sha) {
    auto linked = blobs_->linked_at_ns(sha);
    return linked && *linked < linked_before;
  };
  size_t removed = 0;
  for (const auto& sha : *all) {
    if (!linked_long_ago(sha)) continue;
    // The metadata store keeps every writer away while it checks and while
    // the file is removed (MetadataStore::remove_blob_if_unreferenced): a
    // writer that links these bytes holds the blob until it has committed.
    auto collected = metadata_->remove_blob_if_unreferenced(
        sha, [&] { return linked_long_ago(sha) && blobs_->remove(sha).ok(); });
    if (!collected) return fail(collected.error());
    if (*collected) ++removed;
  }
  return removed;
}

// With other replicas on the data directory: a hold on the blob from before
// its link until after the commit that references it, so that no replica's
// garbage collection removes it in between. None on a store of one's own.
StoreResult<std::unique_ptr<BlobLinkHold>> ObjectStore::hold_for_link(const std::string& sha) {
  if (!shared_) return std::unique_ptr<BlobLinkHold>();
  return metadata_->hold_blob_link(sha);
}

StoreResult<std::unique_ptr<BlobWriter>> ObjectStore::begin_blob(
    std::vector<DigestAlgorithm> extra_digests) {
  return blobs_->create(std::move(extra_digests));
}

StoreResult<ObjectVersion> ObjectStore::put_object(std::string_view bucket, const NewVersion& v,
                                                   SealedBlob& blob,
                                                   const WritePreconditions& pre) {
  auto hold = hold_for_link(blob.sha256_hex());
  if (!hold) return fail(hold.error());
  MutexLock lock(link_mutex_);
  if (auto r = blobs_->link(blob); !r) return fail(r.error());
  before_commit();
  auto outcome = metadata_->commit_version(bucket, v, pre);
  if (!outcome) {
    // The blob may now be a file nobody references.
    auto referenced = metadata_->blob_referenced(blob.sha256_hex());
    if (referenced && !*referenced) (void)remove_released({blob.sha256_hex()});
    return fail(outcome.error());
  }
  (void)remove_released(outcome->released_blobs);
  return std::move(outcome->version);
}

StoreResult<ObjectVersion> ObjectStore::put_existing_blobs(std::string_view bucket,
                                                           const NewVersion& v,
                                                           const WritePreconditions& pre) {
  MutexLock lock(link_mutex_);
  for (const auto& segment : v.segments) {
    auto referenced = metadata_->blob_referenced(segment.sha256);
    if (!referenced) return fail(referenced.error());
    if (!*referenced) return store_fail(StoreErrc::kNoSuchKey, "source was removed");
  }
  before_commit();
  // The check above is the single node's; with replicas the commit itself
  // checks, in its transaction, that each blob is still referenced.
  NewVersion copy = v;
  copy.reuses_referenced_blobs = true;
  auto outcome = metadata_->commit_version(bucket, copy, pre);
  if (!outcome) return fail(outcome.error());
  (void)remove_released(outcome->released_blobs);
  return std::move(outcome->version);
}

StoreResult<void> ObjectStore::put_part(std::string_view bucket, std::string_view key,
                                        std::string_view upload_id, const UploadPart& part,
                                        SealedBlob& blob) {
  auto hold = hold_for_link(blob.sha256_hex());
  if (!hold) return fail(hold.error());
  MutexLock lock(link_mutex_);
  if (auto r = blobs_->link(blob); !r) return fail(r.error());
  before_commit();
  auto released = metadata_->put_part(bucket, key, upload_id, part);
  if (!released) {
    // The upload ended meanwhile (or the commit failed): the blob may now be a
    // file nobody references.
    auto referenced = metadata_->blob_referenced(blob.sha256_hex());
    if (referenced && !*referenced) (void)remove_released({blob.sha256_hex()});
    return fail(released.error());
  }
  return remove_released(*released);
}

StoreResult<void> ObjectStore::put_existing_part(std::string_view bucket, std::string_view key,
                                                 std::string_view upload_id,
                                                 const UploadPart& part) {
  MutexLock lock(link_mutex_);
  auto referenced = metadata_->blob_referenced(part.sha256);
  if (!referenced) return fail(referenced.error());
  if (!*referenced) return store_fail(StoreErrc::kNoSuchKey, "source was removed");
  before_commit();
  UploadPart copy = part;
  copy.reuses_referenced_blob = true;  // checked again in the commit (put_existing_blobs)
  auto released = metadata_->put_part(bucket, key, upload_id, copy);
  if (!released) return fail(released.error());
  return remove_released(*released);
}

StoreResult<ObjectVersion> ObjectStore::complete_upload(std::string_view bucket,
                                                        std::string_view upload_id,
                                                        const NewVersion& v,
                                                        const WritePreconditions& pre) {
  MutexLock lock(link_mutex_);
  auto outcome = metadata_->complete_upload(bucket, upload_id, v, pre);
  if (!outcome) return fail(outcome.error());
  (void)remove_released(outcome->released_blobs);
  return std::move(outcome->version);
}

StoreResult<void> ObjectStore::abort_upload(std::string_view bucket, std::string_view key,
                                            std::string_view upload_id) {
  MutexLock lock(link_mutex_);
  auto released = metadata_->abort_upload(bucket, key, upload_id);
  if (!released) return fail(released.error());
  return remove_released(*released);
}

StoreResult<void> ObjectStore::delete_bucket(std::string_view name) {
  MutexLock lock(link_mutex_);
  auto released = metadata_->delete_bucket(name);
  if (!released) return fail(released.error());
  return remove_released(*released);
}

StoreResult<size_t> ObjectStore::abort_idle_uploads(int64_t idle_since_ns) {
  size_t aborted = 0;
  while (true) {
    auto idle = metadata_->list_idle_uploads(idle_since_ns, 100);
    if (!idle) return fail(idle.error());
    for (const auto& upload : *idle) {
      auto r = abort_upload(upload.bucket, upload.key, upload.upload_id);
      // A client may complete or abort it in between; that is not a failure.
      if (!r && r.error().code != StoreErrc::kNoSuchUpload) return fail(r.error());
      if (r) ++aborted;
    }
    if (idle->size() < 100) return aborted;
  }
}

StoreResult<DeleteOutcome> ObjectStore::delete_object(std::string_view bucket, std::string_view key,
                                                      std::string_view version_id) {
  return change_and_release([&] { return metadata_->delete_object(bucket, key, version_id); });
}

StoreResult<DeleteOutcome> ObjectStore::expire_version(std::string_view bucket,
                                                       const ExpiryTarget& target) {
  return change_and_release([&] { return metadata_->expire_version(bucket, target); });
}

StoreResult<OpenedObject> ObjectStore::open_object(std::string_view bucket, std::string_view key,
                                                   std::string_view version_id) {
  // A concurrent overwrite can remove a blob between the lookup and the open;
  // the lookup is then stale, and looking again finds the new version.
  for (int attempt = 0;; ++attempt) {
    auto version = metadata_->get_version(bucket, key, version_id);
    if (!version) return fail(version.error());
    OpenedObject opened;
    bool missing = false;
    for (const auto& segment : version->segments) {
      auto fd = blobs_->open_blob(segment.sha256);
      if (!fd) {
        if (fd.error().code != StoreErrc::kNoSuchKey) return fail(fd.error());
        missing = true;
        break;
      }
      opened.segments.push_back(std::move(*fd));
    }
    if (!missing) {
      opened.version = std::move(*version);
      return opened;
    }
    if (attempt == 3) {
      return store_fail(StoreErrc::kIo, "blob of " + std::string(key) + " is missing");
    }
  }
}

StoreResult<TagWriteOutcome> ObjectStore::set_tag(std::string_view bucket, const TagWrite& w,
                                                  const TagPreconditions& pre) {
  return change_and_release([&] { return metadata_->set_tag(bucket, w, pre); });
}

StoreResult<TagWriteOutcome> ObjectStore::delete_tag(std::string_view bucket, std::string_view key,
                                                     const std::string& actor, int64_t now_ns,
                                                     const TagPreconditions& pre) {
  return change_and_release([&] { return metadata_->delete_tag(bucket, key, actor, now_ns, pre); });
}

StoreResult<SnapshotReleases> ObjectStore::release_unheld_snapshots(int64_t unheld_before_ns) {
  // In batches, each its own transaction: a long backlog never holds the
  // writer (or the link mutex) for long.
  constexpr int kBatch = 100;
  SnapshotReleases total;
  for (;;) {
    auto batch = change_and_release(
        [&] { return metadata_->release_unheld_snapshots(unheld_before_ns, kBatch); });
    if (!batch) return fail(batch.error());
    total.snapshots += batch->snapshots;
    total.released_blobs.insert(total.released_blobs.end(), batch->released_blobs.begin(),
                                batch->released_blobs.end());
    if (batch->snapshots < static_cast<size_t>(kBatch)) return total;
  }
}

StoreResult<std::vector<SharedFd>> ObjectStore::open_segments(
    const std::vector<BlobSegment>& segments) {
  std::vector<SharedFd> fds;
  fds.reserve(segments.size());
  for (const auto& segment : segments) {
    auto fd = blobs_->open_blob(segment.sha256);
    if (!fd) return fail(fd.error());
    fds.push_back(std::move(*fd));
  }
  return fds;
}

StoreResult<OpenedObject> ObjectStore::open_pinned(const ObjectVersion& pinned) {
  auto segments = open_segments(pinned.segments);
  if (!segments) return fail(segments.error());
  return OpenedObject{pinned, std::move(*segments)};
}

StoreResult<void> ObjectStore::remove_released(const std::vector<std::string>& released) {
  // Shared with other replicas, one of them may have linked these bytes and be
  // about to commit a reference: collect_garbage removes them after the grace.
  if (shared_) return {};
  for (const auto& sha : released) {
    if (auto r = blobs_->remove(sha); !r) {
      // The file stays as an orphan; the next startup sweep removes it.
      spdlog::warn("could not remove released blob {}: {}", sha, r.error().message);
    }
  }
  return {};
}

}  // namespace moss::store
