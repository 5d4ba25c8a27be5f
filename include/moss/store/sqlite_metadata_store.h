// MetadataStore on an embedded SQLite database in WAL mode: one writer
// connection (SQLite allows one writer at a time anyway) and a pool of reader
// connections, so listings and lookups never wait for a commit's fsync.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "moss/store/metadata_store.h"
#include "moss/store/sqlite_db.h"
#include "moss/util/mutex.h"

namespace moss::store {

class SqliteMetadataStore final : public MetadataStore {
 public:
  // Opens or creates `path` and brings its schema up to date.
  static StoreResult<std::unique_ptr<SqliteMetadataStore>> open(const std::string& path);

  StoreResult<Bucket> create_bucket(const std::string& name, const std::string& owner,
                                    int64_t now_ns) override;
  StoreResult<Bucket> get_bucket(std::string_view name) override;
  StoreResult<std::vector<Bucket>> list_buckets() override;
  StoreResult<std::vector<std::string>> delete_bucket(std::string_view name) override;
  StoreResult<void> set_versioning(std::string_view bucket, VersioningState state) override;
  StoreResult<void> set_bucket_public_read(std::string_view bucket, bool public_read) override;
  StoreResult<void> set_object_public_read(std::string_view bucket, std::string_view key,
                                           std::string_view version_id, bool public_read) override;
  StoreResult<ObjectVersion> find_completed_upload(std::string_view bucket, std::string_view key,
                                                   std::string_view upload_id) override;
  StoreResult<ObjectVersion> get_version(std::string_view bucket, std::string_view key,
                                         std::string_view version_id) override;
  StoreResult<CommitOutcome> commit_version(std::string_view bucket, const NewVersion& v,
                                            const WritePreconditions& pre) override;
  StoreResult<DeleteOutcome> delete_object(std::string_view bucket, std::string_view key,
                                           std::string_view version_id) override;
  StoreResult<ListPage> list_objects(std::string_view bucket, const ListQuery& q) override;
  StoreResult<bool> blob_referenced(const std::string& sha256_hex) override;

  // Multipart uploads: sqlite_multipart.cpp.
  StoreResult<MultipartUpload> create_upload(std::string_view bucket,
                                             const MultipartUpload& upload) override;
  StoreResult<MultipartUpload> get_upload(std::string_view bucket, std::string_view key,
                                          std::string_view upload_id) override;
  StoreResult<std::vector<std::string>> put_part(std::string_view bucket, std::string_view key,
                                                 std::string_view upload_id,
                                                 const UploadPart& part) override;
  StoreResult<PartListPage> list_parts(std::string_view bucket, std::string_view key,
                                       std::string_view upload_id, const PartListQuery& q) override;
  StoreResult<UploadListPage> list_uploads(std::string_view bucket,
                                           const UploadListQuery& q) override;
  StoreResult<CommitOutcome> complete_upload(std::string_view bucket, std::string_view upload_id,
                                             const NewVersion& v,
                                             const WritePreconditions& pre) override;
  StoreResult<std::vector<std::string>> abort_upload(std::string_view bucket, std::string_view key,
                                                     std::string_view upload_id) override;
  StoreResult<std::vector<UploadRef>> list_idle_uploads(int64_t idle_since_ns, int limit) override;

  // Model tags: sqlite_tags.cpp.
  StoreResult<TagRecord> get_tag(std::string_view bucket, std::string_view key) override;
  StoreResult<std::vector<TagRecord>> list_tags(std::string_view bucket,
                                                const TagListQuery& q) override;
  StoreResult<TagWriteOutcome> set_tag(std::string_view bucket, const TagWrite& w,
                                       const TagPreconditions& pre) override;
  StoreResult<TagWriteOutcome> delete_tag(std::string_view bucket, std::string_view key,
                                          const std::string& actor, int64_t now_ns,
                                          const TagPreconditions& pre) override;
  StoreResult<std::vector<TagHistoryEntry>> tag_history(std::string_view bucket,
                                                        std::string_view key, int64_t before_seq,
                                                        int limit) override;
  StoreResult<void> set_content_sha256(std::string_view bucket, std::string_view key,
                                       int64_t row_id, const std::string& sha256_hex) override;

  // Snapshots: sqlite_snapshots.cpp.
  StoreResult<SnapshotRecord> get_snapshot(std::string_view bucket, std::string_view model,
                                           std::string_view id) override;
  StoreResult<std::vector<SnapshotFile>> list_snapshot_files(std::string_view bucket,
                                                             std::string_view model,
                                                             std::string_view id,
                                                             const SnapshotFileQuery& q) override;
  StoreResult<SnapshotFile> get_snapshot_file(std::string_view bucket, std::string_view model,
                                              std::string_view id, std::string_view path) override;
  StoreResult<SnapshotReleases> release_unheld_snapshots(int64_t unheld_before_ns,
                                                         int limit) override;

  // Versions and lifecycle rules: sqlite_version_listing.cpp, sqlite_lifecycle.cpp.
  StoreResult<VersionListPage> list_versions(std::string_view bucket,
                                             const VersionListQuery& q) override;
  StoreResult<void> put_lifecycle(std::string_view bucket,
                                  const std::vector<LifecycleRule>& rules) override;
  StoreResult<std::optional<std::vector<LifecycleRule>>> get_lifecycle(
      std::string_view bucket) override;
  StoreResult<void> delete_lifecycle(std::string_view bucket) override;
  StoreResult<std::vector<std::string>> list_lifecycle_buckets() override;
  StoreResult<DeleteOutcome> expire_version(std::string_view bucket,
                                            const ExpiryTarget& target) override;

  // The listing query, public so a test can check SQLite's plan for it: an
  // ordered scan of the covering index, never a scan of the table.
  static const char* const kListObjectsSql;

 private:
  class ReaderLease;
  explicit SqliteMetadataStore(std::string path) : path_(std::move(path)) {}
  StoreResult<ReaderLease> reader();

  // Every write runs in one of these (sqlite_records.h defines them): under
  // the writer lock, in one BEGIN IMMEDIATE transaction, `body(db)` runs and,
  // if it succeeded, the transaction commits (durably: synchronous=FULL)
  // before the result is returned; a failure anywhere rolls it all back.
  template <class Body>
  auto write(Body&& body) -> std::invoke_result_t<Body&, SqliteConnection&>;
  // write() of a change inside `bucket`, looked up in the same transaction
  // (kNoSuchBucket when it is not there): `body(db, bucket)`.
  template <class Body>
  auto write_in_bucket(std::string_view bucket, Body&& body)
      -> std::invoke_result_t<Body&, SqliteConnection&, const Bucket&>;
  // A read inside `bucket` on a pooled reader connection: `body(db, bucket)`.
  template <class Body>
  auto read_in_bucket(std::string_view bucket, Body&& body)
      -> std::invoke_result_t<Body&, SqliteConnection&, const Bucket&>;

  // The latest versions read, per network thread, valid while no transaction
  // has committed since (commits_ unchanged): a model being pulled by many
  // pods is looked up once, not once per request. Any write empties it in
  // effect, so it can never serve a stale answer.
  StoreResult<ObjectVersion> read_version(std::string_view bucket, std::string_view key,
                                          std::string_view version_id);
  std::atomic<uint64_t> commits_{0};

  std::string path_;
  Mutex writer_mutex_;  // one write transaction at a time, on the one writer connection
  std::unique_ptr<SqliteConnection> writer_ GUARDED_BY(writer_mutex_);
  Mutex readers_mutex_;
  std::vector<std::unique_ptr<SqliteConnection>> idle_readers_ GUARDED_BY(readers_mutex_);
};

}  // namespace moss::store
