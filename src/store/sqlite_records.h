// Internals the SQLite metadata store's source files share: the reader lease,
// and row-level helpers (sqlite_metadata_store.cpp defines them,
// sqlite_multipart.cpp uses them). Each helper runs on the connection it is
// given, inside the caller's transaction.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "moss/store/metadata_store.h"
#include "moss/store/sqlite_db.h"
#include "moss/store/sqlite_metadata_store.h"

namespace moss::store {

// A reader connection borrowed from the pool, returned when the lease ends.
class SqliteMetadataStore::ReaderLease {
 public:
  ReaderLease(SqliteMetadataStore* owner, std::unique_ptr<SqliteConnection> conn)
      : owner_(owner), conn_(std::move(conn)) {}
  ReaderLease(ReaderLease&&) = default;
  ~ReaderLease() {
    if (!conn_) return;
    std::lock_guard lock(owner_->readers_mutex_);
    owner_->idle_readers_.push_back(std::move(conn_));
  }
  SqliteConnection& operator*() { return *conn_; }

 private:
  SqliteMetadataStore* owner_;
  std::unique_ptr<SqliteConnection> conn_;
};

}  // namespace moss::store

namespace moss::store::sqlite_records {

// Greater than every valid UTF-8 string that starts with `prefix`.
std::string prefix_upper_bound(std::string_view prefix);

nlohmann::json attributes_to_json(const ObjectAttributes& a);
ObjectAttributes attributes_from_json(const std::string& text);

StoreResult<Bucket> find_bucket(SqliteConnection& db, std::string_view name);

// One blob reference per segment, added or dropped; blobs left unreferenced are
// deleted from the table and appended to `released`.
StoreResult<void> add_blob_refs(SqliteConnection& db, const std::vector<BlobSegment>& segments);
StoreResult<void> release_blob_refs(SqliteConnection& db, const std::vector<BlobSegment>& segments,
                                    std::vector<std::string>& released);

// The body of commit_version: checks `pre` against the key's current version,
// supersedes or replaces it as the bucket's versioning state says, and inserts
// `v`. The caller holds the write transaction and commits it.
StoreResult<CommitOutcome> commit_new_version(SqliteConnection& db, const Bucket& bucket,
                                              const NewVersion& v, const WritePreconditions& pre);

// The uploads and upload_parts tables (sqlite_multipart.cpp), created if missing.
StoreResult<void> create_multipart_tables(SqliteConnection& db);

}  // namespace moss::store::sqlite_records
