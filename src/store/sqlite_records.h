// Internals the SQLite metadata store's source files share: the reader lease,
// the transaction helpers every operation runs in, and row-level helpers
// (sqlite_metadata_store.cpp defines most, the other sqlite_*.cpp files use
// them). Each row helper runs on the connection it is given, inside the
// caller's transaction.
#pragma once

#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
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
    MutexLock lock(owner_->readers_mutex_);
    owner_->idle_readers_.push_back(std::move(conn_));
  }
  SqliteConnection& operator*() { return *conn_; }

 private:
  SqliteMetadataStore* owner_;
  std::unique_ptr<SqliteConnection> conn_;
};

namespace sqlite_records {
// The bucket called `name`; kNoSuchBucket when there is none.
StoreResult<Bucket> find_bucket(SqliteConnection& db, std::string_view name);
}  // namespace sqlite_records

template <class Body>
auto SqliteMetadataStore::write(Body&& body) -> std::invoke_result_t<Body&, SqliteConnection&> {
  MutexLock lock(writer_mutex_);
  auto& db = *writer_;
  auto txn = SqliteTransaction::begin(db);
  if (!txn) return fail(txn.error());
  auto result = body(db);
  if (!result) return result;  // the transaction rolls back as it ends
  if (auto r = txn->commit(); !r) return fail(r.error());
  return result;
}

template <class Body>
auto SqliteMetadataStore::write_in_bucket(std::string_view bucket, Body&& body)
    -> std::invoke_result_t<Body&, SqliteConnection&, const Bucket&> {
  using Out = std::invoke_result_t<Body&, SqliteConnection&, const Bucket&>;
  return write([&](SqliteConnection& db) -> Out {
    auto b = sqlite_records::find_bucket(db, bucket);
    if (!b) return fail(b.error());
    return body(db, *b);
  });
}

template <class Body>
auto SqliteMetadataStore::read_in_bucket(std::string_view bucket, Body&& body)
    -> std::invoke_result_t<Body&, SqliteConnection&, const Bucket&> {
  auto lease = reader();
  if (!lease) return fail(lease.error());
  auto b = sqlite_records::find_bucket(**lease, bucket);
  if (!b) return fail(b.error());
  return body(**lease, *b);
}

}  // namespace moss::store

namespace moss::store::sqlite_records {

// Greater than every valid UTF-8 string that starts with `prefix`.
std::string prefix_upper_bound(std::string_view prefix);

// Under a delimiter, the common prefix a listed key rolls up into: the key up
// to and including the first delimiter after the listing's prefix
// ("photos/2024/" for "photos/2024/a.jpg", prefix "photos/", delimiter "/").
// nullopt without a delimiter or when the key has none past the prefix.
std::optional<std::string> common_prefix_of(std::string_view key, std::string_view prefix,
                                            std::string_view delimiter);

// Whether a listing page already holds `max` entries; if so it is marked
// truncated, and the caller returns it.
template <class Page>
bool page_is_full(Page& page, int count, int max) {
  if (count < max) return false;
  page.truncated = true;
  return true;
}

nlohmann::json attributes_to_json(const ObjectAttributes& a);
ObjectAttributes attributes_from_json(const std::string& text);

// One blob reference per segment, added or dropped; blobs left unreferenced are
// deleted from the table and appended to `released`.
StoreResult<void> add_blob_refs(SqliteConnection& db, const std::vector<BlobSegment>& segments);
// kNoSuchKey unless every segment's blob has a reference now: a copy reusing
// stored blobs (NewVersion::reuses_referenced_blobs) checks so in its commit,
// before anything it replaces releases them (a copy onto itself), since a
// blob nothing references may be being collected by another replica.
StoreResult<void> require_referenced(SqliteConnection& db, const std::vector<BlobSegment>& segments);
StoreResult<void> release_blob_refs(SqliteConnection& db, const std::vector<BlobSegment>& segments,
                                    std::vector<std::string>& released);

// The body of commit_version: checks `pre` against the key's current version,
// supersedes or replaces it as the bucket's versioning state says, and inserts
// `v`. The caller holds the write transaction and commits it.
StoreResult<CommitOutcome> commit_new_version(SqliteConnection& db, const Bucket& bucket,
                                              const NewVersion& v, const WritePreconditions& pre);

// The uploads and upload_parts tables (sqlite_multipart.cpp), created if missing.
StoreResult<void> create_multipart_tables(SqliteConnection& db);
// Drops every upload of the bucket with its parts, adding to `released` the
// blobs whose last reference went away (DeleteBucket discards open uploads).
StoreResult<void> remove_bucket_uploads(SqliteConnection& db, int64_t bucket_id,
                                        std::vector<std::string>& released);

nlohmann::json segments_to_json(const std::vector<BlobSegment>& segments);
std::vector<BlobSegment> segments_from_json(const std::string& text);

// The version `version_id` of `key`, if any.
StoreResult<std::optional<ObjectVersion>> find_by_version_id(SqliteConnection& db,
                                                             int64_t bucket_id,
                                                             std::string_view key,
                                                             std::string_view version_id);

// The snapshots and snapshot_files tables (sqlite_snapshots.cpp), created if missing.
StoreResult<void> create_snapshot_tables(SqliteConnection& db);
// Takes a tag's hold on each snapshot of `writes` (SnapshotWrite), pinning
// the files of one not held yet; kNoSuchKey when a file to pin is gone.
StoreResult<void> hold_snapshots(SqliteConnection& db, int64_t bucket_id, const std::string& model,
                                 const std::vector<SnapshotWrite>& writes, int64_t now_ns);
// Drops a tag's hold on each snapshot of `ids`; a snapshot no tag holds any
// more keeps its files' blob references until the retention passes
// (release_unheld_snapshots), from `now_ns`.
StoreResult<void> release_snapshots(SqliteConnection& db, int64_t bucket_id,
                                    const std::string& model, const std::vector<std::string>& ids,
                                    int64_t now_ns);
// Removes a deleted bucket's snapshots (none is held: the bucket had no tag),
// releasing the references of those still within their retention.
StoreResult<void> delete_bucket_snapshots(SqliteConnection& db, int64_t bucket_id,
                                          std::vector<std::string>& released);

// The tags and tag_history tables (sqlite_tags.cpp), created if missing.
StoreResult<void> create_tag_tables(SqliteConnection& db);
// Whether the bucket has any tag (a bucket with tags is not empty), and
// removing a deleted bucket's tag history.
StoreResult<bool> bucket_has_tags(SqliteConnection& db, int64_t bucket_id);
StoreResult<void> delete_bucket_tag_history(SqliteConnection& db, int64_t bucket_id);

// The tags of a listing window [lower, upper) in key order, read alongside the
// object index scan of list_objects and merged with it (sqlite_tags.cpp).
class TagKeyCursor {
 public:
  // At most `limit` rows from `lower`.
  static StoreResult<TagKeyCursor> open(SqliteConnection& db, int64_t bucket_id,
                                        const std::string& lower, const std::string& upper,
                                        int64_t limit);
  bool valid() const { return valid_; }
  // The current tag as a listing entry (is_tag set). Only while valid().
  const ObjectVersion& entry() const { return entry_; }
  StoreResult<void> next();

 private:
  explicit TagKeyCursor(SqliteStatement st) : st_(std::move(st)) {}
  SqliteStatement st_;
  bool valid_ = false;
  ObjectVersion entry_;
};

// --- Versioning and lifecycle (sqlite_version_listing.cpp, sqlite_lifecycle.cpp).

// The latest version row of a key (possibly a delete marker), if any.
StoreResult<std::optional<ObjectVersion>> find_latest(SqliteConnection& db, int64_t bucket_id,
                                                      std::string_view key);
// Deletes one version row and drops its blob references (into `released`).
StoreResult<void> delete_version_row(SqliteConnection& db, const ObjectVersion& v,
                                     std::vector<std::string>& released);
// What a DELETE without a version id does to `key` at `now_ns`, as the
// bucket's versioning state says: removes the current version (unversioned),
// or adds a delete marker (recorded in `out`).
StoreResult<void> delete_current(SqliteConnection& db, const Bucket& bucket, std::string_view key,
                                 int64_t now_ns, DeleteOutcome& out);
// The bucket_lifecycle table, created if missing; and removing a deleted
// bucket's configuration.
StoreResult<void> create_lifecycle_tables(SqliteConnection& db);
StoreResult<void> delete_bucket_lifecycle(SqliteConnection& db, int64_t bucket_id);

}  // namespace moss::store::sqlite_records
