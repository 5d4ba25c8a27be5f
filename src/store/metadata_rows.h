// Bucket and object version rows, once for both metadata stores: decoding a
// row into a record, the blob reference counts, and what a write or a delete
// does to a key's versions (supersede, insert, promote). Each function runs
// on the connection it is given, inside the caller's transaction; the
// transactions themselves (BEGIN IMMEDIATE in SQLite, SERIALIZABLE with retry
// in PostgreSQL) stay in each backend.
//
// The connection is a template parameter: SqliteConnection and PgConnection
// offer the same prepare/bind/step/column calls, and the PostgreSQL one
// rewrites ?N placeholders, so the SQL is written once. What differs (how a
// new version row gets its id) is insert_version_row, declared here for both
// connections and defined by each backend.
#pragma once

#include <algorithm>
#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "moss/store/metadata_store.h"
#include "moss/store/store_error.h"
#include "moss/store/version_id.h"
#include "row_codecs.h"

namespace moss::store {

class SqliteConnection;
class PgConnection;

namespace metadata_rows {

// A result row, as both backends' statements offer it: columns by index.
template <class Row>
concept RowReader = requires(const Row& row, int index) {
  { row.column_int(index) } -> std::same_as<int64_t>;
  { row.column_text(index) } -> std::same_as<std::string>;
  { row.column_is_null(index) } -> std::same_as<bool>;
};

// The statement type a connection's prepare() makes.
template <class Connection>
using StatementOf = std::remove_cvref_t<decltype(std::declval<Connection&>().prepare("").value())>;

// The columns version_from_row reads, in its order.
constexpr const char* kVersionColumns =
    "id, bucket_id, key, version_id, is_latest, is_delete_marker, size, etag, "
    "last_modified_ns, content_sha256, owner, segments, attributes, model_metadata";

template <RowReader Row>
ObjectVersion version_from_row(const Row& st) {
  ObjectVersion v;
  st.read_columns(0, v.row_id, v.bucket_id, v.key, v.version_id, v.is_latest, v.is_delete_marker,
                  v.size, v.etag, v.last_modified_ns, v.content_sha256, v.owner);
  v.segments = segments_from_json(st.column_text(11));
  v.attributes = attributes_from_json(st.column_text(12));
  v.model_metadata = st.column_text(13);
  return v;
}

// Reads "id, name, owner, created_ns, versioning, public_read".
template <RowReader Row>
Bucket bucket_from_row(const Row& st) {
  Bucket b;
  st.read_columns(0, b.id, b.name, b.owner, b.created_ns);
  b.versioning = static_cast<VersioningState>(st.column_int(4));
  b.public_read = st.column_int(5) != 0;
  return b;
}

// The bucket called `name`; kNoSuchBucket when there is none.
template <class Connection>
StoreResult<Bucket> find_bucket(Connection& db, std::string_view name) {
  auto st = db.prepare(
      "SELECT id, name, owner, created_ns, versioning, public_read FROM buckets WHERE name = ?1");
  if (!st) return fail(st.error());
  st->bind(1, name);
  auto row = st->step();
  if (!row) return fail(row.error());
  if (!*row) return store_fail(StoreErrc::kNoSuchBucket, std::string(name));
  return bucket_from_row(*st);
}

// The version row `sql` (selecting kVersionColumns) finds with `params`, if any.
template <class Connection, class... Params>
StoreResult<std::optional<ObjectVersion>> find_version(Connection& db, const std::string& sql,
                                                       const Params&... params) {
  auto st = db.prepare(sql.c_str());
  if (!st) return fail(st.error());
  st->bind_all(params...);
  return st->first_row([](const auto& row) { return version_from_row(row); });
}

// The latest version row of a key (possibly a delete marker), if any.
template <class Connection>
StoreResult<std::optional<ObjectVersion>> find_latest(Connection& db, int64_t bucket_id,
                                                      std::string_view key) {
  static const std::string sql = std::string("SELECT ") + kVersionColumns +
                                 " FROM versions WHERE bucket_id = ?1 AND key = ?2 AND "
                                 "is_latest = 1";
  return find_version(db, sql, bucket_id, key);
}

// The version `version_id` of `key`, if any.
template <class Connection>
StoreResult<std::optional<ObjectVersion>> find_by_version_id(Connection& db, int64_t bucket_id,
                                                             std::string_view key,
                                                             std::string_view version_id) {
  static const std::string sql = std::string("SELECT ") + kVersionColumns +
                                 " FROM versions WHERE bucket_id = ?1 AND key = ?2 AND "
                                 "version_id = ?3";
  return find_version(db, sql, bucket_id, key, version_id);
}

// kNoSuchKey unless every segment's blob has a reference now: a copy reusing
// stored blobs (NewVersion::reuses_referenced_blobs) checks so in its commit,
// before anything it replaces releases them (a copy onto itself), since a
// blob nothing references may be being collected by another replica.
template <class Connection>
StoreResult<void> require_referenced(Connection& db, const std::vector<BlobSegment>& segments) {
  for (const auto& s : segments) {
    auto st = db.prepare("SELECT 1 FROM blobs WHERE sha256 = ?1 AND refs > 0");
    if (!st) return fail(st.error());
    st->bind(1, s.sha256);
    auto row = st->step();
    if (!row) return fail(row.error());
    if (!*row) return store_fail(StoreErrc::kNoSuchKey, "source was removed");
  }
  return {};
}

// One blob reference per segment.
template <class Connection>
StoreResult<void> add_blob_refs(Connection& db, const std::vector<BlobSegment>& segments) {
  for (const auto& s : segments) {
    auto st = db.prepare(
        "INSERT INTO blobs(sha256, size, refs) VALUES(?1, ?2, 1) "
        "ON CONFLICT(sha256) DO UPDATE SET refs = blobs.refs + 1");
    if (!st) return fail(st.error());
    st->bind(1, s.sha256).bind(2, static_cast<int64_t>(s.size));
    if (auto r = st->run(); !r) return r;
  }
  return {};
}

// Drops one reference per segment; blobs left unreferenced are deleted from the
// table and appended to `released` (their files go after the commit).
template <class Connection>
StoreResult<void> release_blob_refs(Connection& db, const std::vector<BlobSegment>& segments,
                                    std::vector<std::string>& released) {
  for (const auto& s : segments) {
    auto dec = db.prepare("UPDATE blobs SET refs = refs - 1 WHERE sha256 = ?1 RETURNING refs");
    if (!dec) return fail(dec.error());
    dec->bind(1, s.sha256);
    auto row = dec->step();
    if (!row) return fail(row.error());
    int64_t refs = *row ? dec->column_int(0) : 0;
    dec->reset();
    if (refs <= 0) {
      auto del = db.prepare("DELETE FROM blobs WHERE sha256 = ?1");
      if (!del) return fail(del.error());
      del->bind(1, s.sha256);
      if (auto r = del->run(); !r) return r;
      released.push_back(s.sha256);
    }
  }
  return {};
}

// Deletes one version row and drops its blob references (into `released`).
template <class Connection>
StoreResult<void> delete_version_row(Connection& db, const ObjectVersion& v,
                                     std::vector<std::string>& released) {
  auto st = db.prepare("DELETE FROM versions WHERE id = ?1");
  if (!st) return fail(st.error());
  st->bind(1, v.row_id);
  if (auto r = st->run(); !r) return r;
  return release_blob_refs(db, v.segments, released);
}

// A version that stops being the latest records when (`now_ns`), for lifecycle
// rules that count days from then.
template <class Connection>
StoreResult<void> set_latest(Connection& db, int64_t row_id, bool latest, int64_t now_ns) {
  auto st =
      db.prepare("UPDATE versions SET is_latest = ?2, noncurrent_since_ns = ?3 WHERE id = ?1");
  if (!st) return fail(st.error());
  st->bind(1, row_id).bind(2, int64_t{latest ? 1 : 0}).bind(3, latest ? int64_t{0} : now_ns);
  return st->run();
}

// After the latest version of a key was removed, the newest remaining one
// becomes the latest.
template <class Connection>
StoreResult<void> promote_newest(Connection& db, int64_t bucket_id, std::string_view key) {
  auto st = db.prepare(
      "UPDATE versions SET is_latest = 1, noncurrent_since_ns = 0 WHERE id = "
      "(SELECT id FROM versions WHERE bucket_id = ?1 AND key = ?2 ORDER BY id DESC LIMIT 1)");
  if (!st) return fail(st.error());
  st->bind(1, bucket_id).bind(2, key);
  return st->run();
}

// The backend part of insert_version: inserts `v` as the latest version row of
// its key and returns the row's id. SQLite allocates ids from version_row_ids
// so that none is ever reused (sqlite_metadata_store.cpp); PostgreSQL's
// identity column never reuses one (postgres_metadata_store.cpp).
StoreResult<int64_t> insert_version_row(SqliteConnection& db, const Bucket& bucket,
                                        const NewVersion& v, const std::string& version_id,
                                        bool delete_marker);
StoreResult<int64_t> insert_version_row(PgConnection& db, const Bucket& bucket, const NewVersion& v,
                                        const std::string& version_id, bool delete_marker);

// Inserts `v` as the latest version of its key, referencing its blobs.
template <class Connection>
StoreResult<ObjectVersion> insert_version(Connection& db, const Bucket& bucket, const NewVersion& v,
                                          std::string version_id, bool delete_marker) {
  auto row_id = insert_version_row(db, bucket, v, version_id, delete_marker);
  if (!row_id) return fail(row_id.error());
  if (auto r = add_blob_refs(db, v.segments); !r) return fail(r.error());
  return ObjectVersion{.row_id = *row_id,
                       .bucket_id = bucket.id,
                       .key = v.key,
                       .version_id = std::move(version_id),
                       .is_latest = true,
                       .is_delete_marker = delete_marker,
                       .size = v.size,
                       .etag = v.etag,
                       .last_modified_ns = v.last_modified_ns,
                       .content_sha256 = v.content_sha256,
                       .owner = v.owner,
                       .segments = v.segments,
                       .attributes = v.attributes,
                       .model_metadata = v.model_metadata};
}

// The version id a new version (or delete marker) gets in `bucket`.
inline std::string next_version_id(const Bucket& bucket) {
  return bucket.versioning == VersioningState::kEnabled ? new_version_id() : std::string("null");
}

// Makes room for a new latest version of `key`, written at `now_ns`: the
// current latest stops being latest, and in unversioned or suspended buckets
// the existing "null" version (which the new one replaces) is removed.
template <class Connection>
StoreResult<void> supersede_current(Connection& db, const Bucket& bucket, std::string_view key,
                                    const std::optional<ObjectVersion>& current, int64_t now_ns,
                                    std::vector<std::string>& released) {
  bool current_removed = false;
  if (bucket.versioning != VersioningState::kEnabled) {
    auto null_version = find_by_version_id(db, bucket.id, key, "null");
    if (!null_version) return fail(null_version.error());
    if (*null_version) {
      if (auto r = delete_version_row(db, **null_version, released); !r) return r;
      current_removed = current && current->row_id == (*null_version)->row_id;
    }
  }
  if (current && !current_removed) return set_latest(db, current->row_id, false, now_ns);
  return {};
}

// What a DELETE without a version id does to `key` at `now_ns`, as the
// bucket's versioning state says: removes the current version (unversioned),
// or adds a delete marker (recorded in `out`).
template <class Connection>
StoreResult<void> delete_current(Connection& db, const Bucket& bucket, std::string_view key,
                                 int64_t now_ns, DeleteOutcome& out) {
  auto current = find_latest(db, bucket.id, key);
  if (!current) return fail(current.error());
  if (bucket.versioning == VersioningState::kUnversioned) {
    if (!*current) return {};
    return delete_version_row(db, **current, out.released_blobs);
  }
  if (auto r = supersede_current(db, bucket, key, *current, now_ns, out.released_blobs); !r) {
    return r;
  }
  NewVersion marker;
  marker.key = std::string(key);
  marker.last_modified_ns = now_ns;
  std::string id = next_version_id(bucket);
  auto inserted = insert_version(db, bucket, marker, id, true);
  if (!inserted) return fail(inserted.error());
  out.version_id = std::move(id);
  out.delete_marker = true;
  return {};
}

// The body of commit_version: checks `pre` against the key's current version,
// supersedes or replaces it as the bucket's versioning state says, and inserts
// `v`. The caller holds the write transaction and commits it.
template <class Connection>
StoreResult<CommitOutcome> commit_new_version(Connection& db, const Bucket& bucket,
                                              const NewVersion& v, const WritePreconditions& pre) {
  auto current = find_latest(db, bucket.id, v.key);
  if (!current) return fail(current.error());
  if (auto violated = violated_precondition(pre, current->has_value() ? &**current : nullptr)) {
    return store_fail(*violated, v.key);
  }
  if (v.reuses_referenced_blobs) {
    if (auto r = require_referenced(db, v.segments); !r) return fail(r.error());
  }

  CommitOutcome out;
  if (auto r =
          supersede_current(db, bucket, v.key, *current, v.last_modified_ns, out.released_blobs);
      !r) {
    return fail(r.error());
  }
  auto inserted = insert_version(db, bucket, v, next_version_id(bucket), false);
  if (!inserted) return fail(inserted.error());
  // The same bytes written again to the same key (or a copy of an object onto
  // itself) released the blob above and insert_version referenced it anew: its
  // file must stay, or the new version points at nothing.
  std::erase_if(out.released_blobs, [&](const std::string& sha) {
    return std::any_of(v.segments.begin(), v.segments.end(),
                       [&](const BlobSegment& s) { return s.sha256 == sha; });
  });
  out.version = std::move(*inserted);
  return out;
}

// The body of DeleteObject with a version id: removes that version (a no-op
// when there is none) and, if it was the latest, promotes the newest left.
template <class Connection>
StoreResult<DeleteOutcome> delete_version(Connection& db, const Bucket& bucket,
                                          std::string_view key, std::string_view version_id) {
  DeleteOutcome out;
  auto target = find_by_version_id(db, bucket.id, key, version_id);
  if (!target) return fail(target.error());
  if (!*target) return out;  // deleting a version that is not there is a no-op
  if (auto r = delete_version_row(db, **target, out.released_blobs); !r) return fail(r.error());
  if ((*target)->is_latest) {
    if (auto r = promote_newest(db, bucket.id, key); !r) return fail(r.error());
  }
  out.version_id = std::string(version_id);
  out.delete_marker = (*target)->is_delete_marker;
  return out;
}

// The body of set_content_sha256: records the SHA-256 of version row `row_id`
// of `key`, unless the row is gone or already has one.
template <class Connection>
StoreResult<void> record_content_sha256(Connection& db, int64_t bucket_id, std::string_view key,
                                        int64_t row_id, const std::string& sha256_hex) {
  auto st = db.prepare(
      "UPDATE versions SET content_sha256 = ?4 WHERE id = ?3 AND bucket_id = ?1 AND key = ?2 "
      "AND content_sha256 = ''");
  if (!st) return fail(st.error());
  st->bind(1, bucket_id).bind(2, key).bind(3, row_id).bind(4, sha256_hex);
  return st->run();
}

}  // namespace metadata_rows
}  // namespace moss::store
