// Snapshots in the PostgreSQL metadata store (snapshot_types.h): the lookups
// whose SQL is PostgreSQL's. Holding and releasing snapshots is
// snapshot_rows.h, shared with the SQLite store. The tables are made by schema
// migrations 2 and 3 (postgres_schema.cpp); paths are BYTEA, so a snapshot's
// files are in byte order whatever the database's collation.
#include "moss/store/postgres_metadata_store.h"
#include "postgres_records.h"

namespace moss::store {

using namespace postgres_records;

StoreResult<SnapshotRecord> PostgresMetadataStore::get_snapshot(std::string_view bucket,
                                                                std::string_view model,
                                                                std::string_view id) {
  using Snapshot = StoreResult<SnapshotRecord>;
  return read_in_bucket(bucket, [&](PgConnection& db, const Bucket& b) -> Snapshot {
    // Identities are lowercase hex: anything else names none (and would be
    // no valid TEXT parameter when it is not UTF-8).
    if (id.find_first_not_of("0123456789abcdef") != std::string_view::npos) {
      return store_fail(StoreErrc::kNoSuchKey, std::string(id));
    }
    // A full identity is one row; a 40-digit prefix must name exactly one.
    auto st = db.prepare(
        "SELECT model, id, file_count, total_size, "
        "created_ns, tag_refs FROM snapshots "
        "WHERE bucket_id = ?1 AND model = ?2 AND "
        "starts_with(id, ?3) ORDER BY id LIMIT 2");
    if (!st) return fail(st.error());
    st->bind_all(b.id, model, id);
    auto rows = st->collect([](const PgStatement& row) { return snapshot_from_row(row); });
    if (!rows) return fail(rows.error());
    if (rows->size() != 1) return store_fail(StoreErrc::kNoSuchKey, std::string(id));
    return std::move(rows->front());
  });
}

StoreResult<std::vector<SnapshotFile>> PostgresMetadataStore::list_snapshot_files(
    std::string_view bucket, std::string_view model, std::string_view id,
    const SnapshotFileQuery& q) {
  static const std::string bounded = std::string("SELECT ") + kSnapshotFileColumns +
                                     " FROM snapshot_files WHERE bucket_id = ?1 AND model = ?2 "
                                     "AND snapshot_id = ?3 AND path >= ?4 AND path < ?5 "
                                     "ORDER BY path LIMIT ?6";
  static const std::string unbounded = std::string("SELECT ") + kSnapshotFileColumns +
                                       " FROM snapshot_files WHERE bucket_id = ?1 AND model = ?2 "
                                       "AND snapshot_id = ?3 AND path >= ?4 "
                                       "ORDER BY path LIMIT ?5";
  using Files = StoreResult<std::vector<SnapshotFile>>;
  return read_in_bucket(bucket, [&](PgConnection& db, const Bucket& b) -> Files {
    auto st = db.prepare(q.upper.empty() ? unbounded.c_str() : bounded.c_str());
    if (!st) return fail(st.error());
    if (q.upper.empty()) {
      st->bind_all(b.id, model, id, q.lower, int64_t{q.limit});
    } else {
      st->bind_all(b.id, model, id, q.lower, q.upper, int64_t{q.limit});
    }
    return st->collect([&](const PgStatement& row) { return file_from_row(row, b.id); });
  });
}

StoreResult<SnapshotFile> PostgresMetadataStore::get_snapshot_file(std::string_view bucket,
                                                                   std::string_view model,
                                                                   std::string_view id,
                                                                   std::string_view path) {
  return read_in_bucket(bucket, [&](PgConnection& db, const Bucket& b) {
    return find_snapshot_file(db, b.id, model, id, path);
  });
}

StoreResult<SnapshotReleases> PostgresMetadataStore::release_unheld_snapshots(
    int64_t unheld_before_ns, int limit) {
  return write(
      [&](PgConnection& db) { return release_due_snapshots(db, unheld_before_ns, limit); });
}

}  // namespace moss::store
