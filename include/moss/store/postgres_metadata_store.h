// MetadataStore on PostgreSQL, for several moss replicas sharing one
// repository (docs/replicas.md): every replica's metadata operations are
// transactions on one database, so their consistency is the database's.
//
// Every write runs at SERIALIZABLE isolation and is retried whole when
// PostgreSQL reports a serialization failure: two replicas racing on one key,
// one tag or one upload behave exactly as two requests to one server do (the
// SQLite store serializes its writers; here the database does). Reads run in
// a REPEATABLE READ snapshot, so a listing page is one consistent view.
// Nothing is cached between operations: another replica may have committed.
// Connections come from a pool; a lost connection is dropped and the
// operation fails with kUnavailable (503 to the client) until the database is
// back. Thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "moss/store/metadata_store.h"
#include "moss/store/postgres_db.h"
#include "moss/util/mutex.h"

namespace moss::store {

class PostgresMetadataStore final : public MetadataStore {
 public:
  // Connects to `dsn` and brings the schema up to date (postgres_schema.cpp);
  // fails when the database's schema is newer than this moss knows.
  static StoreResult<std::unique_ptr<PostgresMetadataStore>> open(const std::string& dsn);

  // Whether the database answers now (for /readyz): the reason when it does not.
  StoreResult<void> check_available() override;
  // Holds a session-level advisory lock on a connection of its own: while
  // that session lives this replica runs the background work; when the
  // replica dies, the server ends the session and the lock is free for the
  // next replica that asks.
  bool hold_background_lock() override;
  // Blob garbage collection across replicas (postgres_blob_gc.cpp): a
  // writer's hold is a shared session-level advisory lock keyed by the
  // digest, on a pooled connection, from before the link until after the
  // commit; the collection takes the exclusive side for one transaction and
  // skips a blob it cannot lock. A replica that dies loses its session, and
  // with it its holds.
  StoreResult<std::unique_ptr<BlobLinkHold>> hold_blob_link(
      const std::string& sha256_hex) override;
  StoreResult<bool> remove_blob_if_unreferenced(const std::string& sha256_hex,
                                                const std::function<bool()>& remove) override;

  StoreResult<Bucket> create_bucket(const std::string& name, const std::string& owner,
                                    int64_t now_ns) override;
  StoreResult<Bucket> get_bucket(std::string_view name) override;
  StoreResult<std::vector<Bucket>> list_buckets() override;
  StoreResult<std::vector<std::string>> delete_bucket(std::string_view name) override;
  StoreResult<void> set_versioning(std::string_view bucket, VersioningState state) override;
  // Canned ACLs: postgres_acl.cpp.
  StoreResult<void> set_bucket_public_read(std::string_view bucket, bool public_read) override;
  StoreResult<void> set_object_public_read(std::string_view bucket, std::string_view key,
                                           std::string_view version_id, bool public_read) override;
  StoreResult<ObjectVersion> get_version(std::string_view bucket, std::string_view key,
                                         std::string_view version_id) override;
  StoreResult<CommitOutcome> commit_version(std::string_view bucket, const NewVersion& v,
                                            const WritePreconditions& pre) override;
  StoreResult<DeleteOutcome> delete_object(std::string_view bucket, std::string_view key,
                                           std::string_view version_id) override;
  StoreResult<ListPage> list_objects(std::string_view bucket, const ListQuery& q) override;
  StoreResult<bool> blob_referenced(const std::string& sha256_hex) override;

  // Multipart uploads: postgres_multipart.cpp.
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
  StoreResult<ObjectVersion> find_completed_upload(std::string_view bucket, std::string_view key,
                                                   std::string_view upload_id) override;
  StoreResult<std::vector<std::string>> abort_upload(std::string_view bucket, std::string_view key,
                                                     std::string_view upload_id) override;
  StoreResult<std::vector<UploadRef>> list_idle_uploads(int64_t idle_since_ns, int limit) override;

  // Model tags: postgres_tags.cpp.
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

  // Snapshots: postgres_snapshots.cpp.
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

  // Versions and lifecycle rules: postgres_version_listing.cpp, postgres_lifecycle.cpp.
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

 private:
  class ConnectionLease;
  class AdvisoryBlobHold;
  explicit PostgresMetadataStore(std::string dsn) : dsn_(std::move(dsn)) {}
  // A pooled connection, or a new one.
  StoreResult<ConnectionLease> connection();
  // A connection with `begin_sql` run on it: a pooled connection the server
  // dropped (it restarted) is discarded and the next one tried, so the first
  // request after an outage does not fail for a dead socket.
  StoreResult<ConnectionLease> connection_in_transaction(const char* begin_sql);

  // Every write runs in one of these (postgres_records.h defines them): in one
  // SERIALIZABLE transaction `body(db)` runs and, if it succeeded, commits
  // before the result is returned; a serialization failure reruns it whole.
  template <class Body>
  auto write(Body&& body) -> std::invoke_result_t<Body&, PgConnection&>;
  template <class Body>
  auto write_in_bucket(std::string_view bucket, Body&& body)
      -> std::invoke_result_t<Body&, PgConnection&, const Bucket&>;
  // A read inside `bucket`, in one REPEATABLE READ snapshot: `body(db, bucket)`.
  template <class Body>
  auto read_in_bucket(std::string_view bucket, Body&& body)
      -> std::invoke_result_t<Body&, PgConnection&, const Bucket&>;
  // The same without a bucket: `body(db)`.
  template <class Body>
  auto read(Body&& body) -> std::invoke_result_t<Body&, PgConnection&>;

  std::string dsn_;
  Mutex leader_mutex_;
  std::unique_ptr<PgConnection> leader_ GUARDED_BY(leader_mutex_);
  Mutex pool_mutex_;
  std::vector<std::unique_ptr<PgConnection>> idle_ GUARDED_BY(pool_mutex_);
};

}  // namespace moss::store
