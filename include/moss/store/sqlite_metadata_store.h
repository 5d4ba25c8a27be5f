// MetadataStore on an embedded SQLite database in WAL mode: one writer
// connection (SQLite allows one writer at a time anyway) and a pool of reader
// connections, so listings and lookups never wait for a commit's fsync.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "moss/store/metadata_store.h"
#include "moss/store/sqlite_db.h"

namespace moss::store {

class SqliteMetadataStore final : public MetadataStore {
 public:
  // Opens or creates `path` and brings its schema up to date.
  static StoreResult<std::unique_ptr<SqliteMetadataStore>> open(const std::string& path);

  StoreResult<Bucket> create_bucket(const std::string& name, const std::string& owner,
                                    int64_t now_ns) override;
  StoreResult<Bucket> get_bucket(std::string_view name) override;
  StoreResult<std::vector<Bucket>> list_buckets() override;
  StoreResult<void> delete_bucket(std::string_view name) override;
  StoreResult<void> set_versioning(std::string_view bucket, VersioningState state) override;
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

  // The listing query, public so a test can check SQLite's plan for it: an
  // ordered scan of the covering index, never a scan of the table.
  static const char* const kListObjectsSql;

 private:
  class ReaderLease;
  explicit SqliteMetadataStore(std::string path) : path_(std::move(path)) {}
  StoreResult<ReaderLease> reader();

  std::string path_;
  std::mutex writer_mutex_;
  std::unique_ptr<SqliteConnection> writer_;
  std::mutex readers_mutex_;
  std::vector<std::unique_ptr<SqliteConnection>> idle_readers_;
};

}  // namespace moss::store
