// Internals the SQLite metadata store's source files share: the reader lease,
// the transaction helpers every operation runs in, and the row-level helpers
// only SQLite has (schema, tables). The row logic both stores share is
// metadata_rows.h. Each row helper runs on the connection it is given, inside
// the caller's transaction.
#pragma once

#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lifecycle_rows.h"
#include "metadata_rows.h"
#include "moss/store/metadata_store.h"
#include "moss/store/sqlite_db.h"
#include "moss/store/sqlite_metadata_store.h"
#include "multipart_rows.h"
#include "object_listing.h"
#include "snapshot_rows.h"
#include "tag_rows.h"

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
    auto b = metadata_rows::find_bucket(db, bucket);
    if (!b) return fail(b.error());
    return body(db, *b);
  });
}

template <class Body>
auto SqliteMetadataStore::read_in_bucket(std::string_view bucket, Body&& body)
    -> std::invoke_result_t<Body&, SqliteConnection&, const Bucket&> {
  auto lease = reader();
  if (!lease) return fail(lease.error());
  auto b = metadata_rows::find_bucket(**lease, bucket);
  if (!b) return fail(b.error());
  return body(**lease, *b);
}

}  // namespace moss::store

namespace moss::store::sqlite_records {

// The row logic both stores share (metadata_rows.h, row_codecs.h,
// lifecycle_rows.h, multipart_rows.h, snapshot_rows.h, tag_rows.h, object_listing.h).
using namespace metadata_rows;

// The uploads and upload_parts tables (sqlite_multipart.cpp), created if missing.
StoreResult<void> create_multipart_tables(SqliteConnection& db);

// The snapshots and snapshot_files tables (sqlite_snapshots.cpp), created if missing.
StoreResult<void> create_snapshot_tables(SqliteConnection& db);

// The tags and tag_history tables (sqlite_tags.cpp), created if missing.
StoreResult<void> create_tag_tables(SqliteConnection& db);

// The bucket_lifecycle table (sqlite_lifecycle.cpp), created if missing.
StoreResult<void> create_lifecycle_tables(SqliteConnection& db);

}  // namespace moss::store::sqlite_records
