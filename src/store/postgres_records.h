// Internals the PostgreSQL metadata store's source files share: the
// connection lease, the transaction helpers every operation runs in (with
// their SERIALIZABLE retry), and the row-level helpers only PostgreSQL has.
// The row logic and codecs both stores share are metadata_rows.h and
// row_codecs.h, so both backends store and list exactly alike. Each row helper
// runs on the connection it is given, inside the caller's transaction.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "lifecycle_rows.h"
#include "metadata_rows.h"
#include "moss/store/metadata_store.h"
#include "moss/store/postgres_db.h"
#include "moss/store/postgres_metadata_store.h"
#include "multipart_rows.h"
#include "object_listing.h"
#include "snapshot_rows.h"
#include "tag_rows.h"

namespace moss::store {

// A connection borrowed from the pool, returned when the lease ends unless it
// broke (then it is closed, and so are the idle ones: the server went away).
class PostgresMetadataStore::ConnectionLease {
 public:
  ConnectionLease(PostgresMetadataStore* owner, std::unique_ptr<PgConnection> conn)
      : owner_(owner), conn_(std::move(conn)) {}
  ConnectionLease(ConnectionLease&&) = default;
  ~ConnectionLease() {
    if (!conn_) return;
    MutexLock lock(owner_->pool_mutex_);
    if (conn_->broken()) {
      owner_->idle_.clear();
      return;
    }
    owner_->idle_.push_back(std::move(conn_));
  }
  PgConnection& operator*() { return *conn_; }
  // Closes the connection instead of pooling it.
  void discard() { conn_.reset(); }

 private:
  PostgresMetadataStore* owner_;
  std::unique_ptr<PgConnection> conn_;
};

namespace postgres_records {

// The row logic both stores share (metadata_rows.h, row_codecs.h,
// lifecycle_rows.h, multipart_rows.h, snapshot_rows.h, tag_rows.h, object_listing.h).
using namespace metadata_rows;

// How many times a write is run before a serialization failure is reported.
constexpr int kMaxWriteAttempts = 30;
// A short random pause before rerunning a write, growing with each attempt,
// so two replicas that collided do not collide again in lockstep.
inline void backoff_before_retry(int attempt) {
  thread_local std::minstd_rand random(std::random_device{}());
  const int max_us = 200 * std::min(attempt + 1, 20);
  std::this_thread::sleep_for(std::chrono::microseconds(random() % max_us));
}

}  // namespace postgres_records

template <class Body>
auto PostgresMetadataStore::write(Body&& body) -> std::invoke_result_t<Body&, PgConnection&> {
  for (int attempt = 0;; ++attempt) {
    auto lease = connection_in_transaction("BEGIN ISOLATION LEVEL SERIALIZABLE");
    if (!lease) return fail(lease.error());
    auto& db = **lease;
    auto txn = PgTransaction::begun(db);  // rolled back as it ends, unless committed
    auto result = body(db);
    if (result) {
      auto committed = txn.commit();
      if (committed) return result;
      if (!is_serialization_failure(db.last_sqlstate()) ||
          attempt + 1 >= postgres_records::kMaxWriteAttempts) {
        return fail(committed.error());
      }
    } else if (!is_serialization_failure(db.last_sqlstate()) ||
               attempt + 1 >= postgres_records::kMaxWriteAttempts) {
      return result;  // the transaction rolls back as it ends
    }
    postgres_records::backoff_before_retry(attempt);
  }
}

template <class Body>
auto PostgresMetadataStore::write_in_bucket(std::string_view bucket, Body&& body)
    -> std::invoke_result_t<Body&, PgConnection&, const Bucket&> {
  using Out = std::invoke_result_t<Body&, PgConnection&, const Bucket&>;
  return write([&](PgConnection& db) -> Out {
    auto b = metadata_rows::find_bucket(db, bucket);
    if (!b) return fail(b.error());
    return body(db, *b);
  });
}

template <class Body>
auto PostgresMetadataStore::read(Body&& body) -> std::invoke_result_t<Body&, PgConnection&> {
  auto lease = connection_in_transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  if (!lease) return fail(lease.error());
  auto txn = PgTransaction::begun(**lease);
  auto result = body(**lease);
  if (result) {
    if (auto r = txn.commit(); !r) return fail(r.error());
  }
  return result;
}

template <class Body>
auto PostgresMetadataStore::read_in_bucket(std::string_view bucket, Body&& body)
    -> std::invoke_result_t<Body&, PgConnection&, const Bucket&> {
  using Out = std::invoke_result_t<Body&, PgConnection&, const Bucket&>;
  return read([&](PgConnection& db) -> Out {
    auto b = metadata_rows::find_bucket(db, bucket);
    if (!b) return fail(b.error());
    return body(db, *b);
  });
}

}  // namespace moss::store

namespace moss::store::postgres_records {

// The schema (postgres_schema.cpp): brings the database up to the version this
// moss knows, under an advisory lock so replicas starting together migrate
// once; kIo when the database's version is newer.
StoreResult<void> migrate_schema(PgConnection& db);
// The version migrate_schema brings a database to.
int latest_schema_version();

}  // namespace moss::store::postgres_records
