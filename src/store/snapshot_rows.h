// Snapshots (snapshot_types.h), once for both metadata stores: the rows, and
// the decisions of holding and releasing them. A snapshot row counts the tags
// that hold it (tag_refs). The first hold pins its files: each file row copies
// what GET needs from the version, and one blob reference per segment is
// taken, the same references versions and file tags hold (add_blob_refs /
// release_blob_refs). The last release puts it on snapshot_releases, and
// release_due_snapshots drops those references once the retention passed; the
// rows stay, so a rollback can pin the same versions again and a reader asking
// by identity is served while the bytes exist.
//
// Templates over the connection, as metadata_rows.h. The tables are each
// backend's (sqlite_snapshots.cpp, postgres_schema.cpp), and so are the
// lookups by identity prefix and by path range, whose SQL differs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "metadata_rows.h"
#include "moss/store/snapshot_types.h"

namespace moss::store::metadata_rows {

// The columns file_from_row reads, in its order.
constexpr const char* kSnapshotFileColumns =
    "path, key, version_id, size, etag, last_modified_ns, content_sha256, owner, segments, "
    "attributes, model_metadata";

template <RowReader Row>
SnapshotFile file_from_row(const Row& st, int64_t bucket_id) {
  SnapshotFile f;
  f.version.bucket_id = bucket_id;
  st.read_columns(0, f.path, f.version.key, f.version.version_id, f.version.size, f.version.etag,
                  f.version.last_modified_ns, f.version.content_sha256, f.version.owner);
  f.version.segments = segments_from_json(st.column_text(8));
  f.version.attributes = attributes_from_json(st.column_text(9));
  f.version.model_metadata = st.column_text(10);
  f.version.is_latest = true;
  return f;
}

// Reads "model, id, file_count, total_size, created_ns, tag_refs".
template <RowReader Row>
SnapshotRecord snapshot_from_row(const Row& st) {
  SnapshotRecord r;
  st.read_columns(0, r.model, r.id, r.file_count, r.total_size, r.created_ns, r.tag_refs);
  return r;
}

template <class Connection>
StoreResult<std::optional<SnapshotRecord>> find_snapshot(Connection& db, int64_t bucket_id,
                                                         std::string_view model,
                                                         std::string_view id) {
  auto st = db.prepare(
      "SELECT model, id, file_count, total_size, created_ns, tag_refs FROM snapshots "
      "WHERE bucket_id = ?1 AND model = ?2 AND id = ?3");
  if (!st) return fail(st.error());
  st->bind_all(bucket_id, model, id);
  return st->first_row([](const auto& row) { return snapshot_from_row(row); });
}

// The file at `path` of a snapshot; kNoSuchKey when it has none.
template <class Connection>
StoreResult<SnapshotFile> find_snapshot_file(Connection& db, int64_t bucket_id,
                                             std::string_view model, std::string_view id,
                                             std::string_view path) {
  static const std::string sql = std::string("SELECT ") + kSnapshotFileColumns +
                                 " FROM snapshot_files WHERE bucket_id = ?1 AND model = ?2 AND "
                                 "snapshot_id = ?3 AND path = ?4";
  auto st = db.prepare(sql.c_str());
  if (!st) return fail(st.error());
  st->bind_all(bucket_id, model, id, path);
  auto row = st->first_row([&](const auto& r) { return file_from_row(r, bucket_id); });
  if (!row) return fail(row.error());
  if (!*row) return store_fail(StoreErrc::kNoSuchKey, std::string(path));
  return std::move(**row);
}

// Every segment of every file of the snapshot.
template <class Connection>
StoreResult<std::vector<BlobSegment>> snapshot_segments(Connection& db, int64_t bucket_id,
                                                        std::string_view model,
                                                        std::string_view id) {
  auto st = db.prepare(
      "SELECT segments FROM snapshot_files WHERE bucket_id = ?1 AND model = ?2 AND "
      "snapshot_id = ?3");
  if (!st) return fail(st.error());
  st->bind_all(bucket_id, model, id);
  auto lists = st->collect([](const auto& row) { return row.column_text(0); });
  if (!lists) return fail(lists.error());
  std::vector<BlobSegment> out;
  for (const auto& text : *lists) {
    auto segments = segments_from_json(text);
    out.insert(out.end(), segments.begin(), segments.end());
  }
  return out;
}

// The first hold of a snapshot not held yet: (re)writes its file rows from
// the versions named, and references their blobs.
template <class Connection>
StoreResult<void> pin_snapshot(Connection& db, int64_t bucket_id, const std::string& model,
                               const SnapshotWrite& w, int64_t now_ns) {
  if (w.files.empty()) return store_fail(StoreErrc::kNoSuchKey, "snapshot " + w.id);
  auto clear = db.prepare(
      "DELETE FROM snapshot_files WHERE bucket_id = ?1 AND model = ?2 AND snapshot_id = ?3");
  if (!clear) return fail(clear.error());
  clear->bind_all(bucket_id, model, w.id);
  if (auto r = clear->run(); !r) return r;

  uint64_t total = 0;
  std::vector<BlobSegment> segments;
  for (const auto& file : w.files) {
    auto version = find_by_version_id(db, bucket_id, file.key, file.version_id);
    if (!version) return fail(version.error());
    if (!*version || (*version)->is_delete_marker) {
      return store_fail(StoreErrc::kNoSuchKey, file.key);
    }
    const ObjectVersion& v = **version;
    auto insert = db.prepare(
        "INSERT INTO snapshot_files(bucket_id, model, snapshot_id, path, key, version_id, size, "
        "etag, last_modified_ns, content_sha256, owner, segments, attributes, model_metadata) "
        "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)");
    if (!insert) return fail(insert.error());
    insert->bind_all(bucket_id, model, w.id, file.path, v.key, v.version_id,
                     static_cast<int64_t>(v.size), v.etag, v.last_modified_ns, v.content_sha256,
                     v.owner, segments_to_json(v.segments).dump(),
                     attributes_to_json(v.attributes).dump(), v.model_metadata);
    if (auto r = insert->run(); !r) return r;
    total += v.size;
    segments.insert(segments.end(), v.segments.begin(), v.segments.end());
  }
  if (auto r = add_blob_refs(db, segments); !r) return r;
  auto upsert = db.prepare(
      "INSERT INTO snapshots(bucket_id, model, id, file_count, total_size, created_ns, tag_refs) "
      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, 1) ON CONFLICT(bucket_id, model, id) DO UPDATE SET "
      "file_count = excluded.file_count, total_size = excluded.total_size, tag_refs = 1");
  if (!upsert) return fail(upsert.error());
  upsert->bind_all(bucket_id, model, w.id, static_cast<int64_t>(w.files.size()),
                   static_cast<int64_t>(total), now_ns);
  return upsert->run();
}

template <class Connection>
StoreResult<void> add_tag_refs(Connection& db, int64_t bucket_id, std::string_view model,
                               std::string_view id, int64_t delta) {
  auto st = db.prepare(
      "UPDATE snapshots SET tag_refs = tag_refs + ?4 WHERE bucket_id = ?1 AND model = ?2 AND "
      "id = ?3");
  if (!st) return fail(st.error());
  st->bind_all(bucket_id, model, id, delta);
  return st->run();
}

// A snapshot no tag holds, within its retention, taken back by a tag: its
// references are still held, so it is only taken off snapshot_releases.
// Whether it was there.
template <class Connection>
StoreResult<bool> take_back_from_release(Connection& db, int64_t bucket_id, std::string_view model,
                                         std::string_view id) {
  auto st =
      db.prepare("DELETE FROM snapshot_releases WHERE bucket_id = ?1 AND model = ?2 AND id = ?3");
  if (!st) return fail(st.error());
  st->bind_all(bucket_id, model, id);
  if (auto r = st->run(); !r) return fail(r.error());
  return st->changes() > 0;
}

// Drops the blob references of a snapshot on snapshot_releases and takes it off.
template <class Connection>
StoreResult<void> release_references(Connection& db, int64_t bucket_id, std::string_view model,
                                     std::string_view id, std::vector<std::string>& released) {
  auto segments = snapshot_segments(db, bucket_id, model, id);
  if (!segments) return fail(segments.error());
  if (auto r = release_blob_refs(db, *segments, released); !r) return r;
  if (auto taken = take_back_from_release(db, bucket_id, model, id); !taken) {
    return fail(taken.error());
  }
  return {};
}

// Takes a tag's hold on each snapshot of `writes` (SnapshotWrite), pinning
// the files of one not held yet; kNoSuchKey when a file to pin is gone.
template <class Connection>
StoreResult<void> hold_snapshots(Connection& db, int64_t bucket_id, const std::string& model,
                                 const std::vector<SnapshotWrite>& writes, int64_t now_ns) {
  for (const auto& w : writes) {
    auto current = find_snapshot(db, bucket_id, model, w.id);
    if (!current) return fail(current.error());
    if (*current && (*current)->tag_refs > 0) {
      if (auto r = add_tag_refs(db, bucket_id, model, w.id, 1); !r) return r;
      continue;
    }
    if (*current) {
      auto retained = take_back_from_release(db, bucket_id, model, w.id);
      if (!retained) return fail(retained.error());
      if (*retained) {
        if (auto r = add_tag_refs(db, bucket_id, model, w.id, 1); !r) return r;
        continue;
      }
    }
    if (auto r = pin_snapshot(db, bucket_id, model, w, now_ns); !r) return r;
  }
  return {};
}

// Drops a tag's hold on each snapshot of `ids`; a snapshot no tag holds any
// more keeps its files' blob references until the retention passes
// (release_due_snapshots), from `now_ns`.
template <class Connection>
StoreResult<void> release_snapshots(Connection& db, int64_t bucket_id, const std::string& model,
                                    const std::vector<std::string>& ids, int64_t now_ns) {
  for (const auto& id : ids) {
    auto current = find_snapshot(db, bucket_id, model, id);
    if (!current) return fail(current.error());
    if (!*current || (*current)->tag_refs <= 0) continue;  // never held: nothing to release
    if (auto r = add_tag_refs(db, bucket_id, model, id, -1); !r) return r;
    if ((*current)->tag_refs > 1) continue;
    auto st = db.prepare(
        "INSERT INTO snapshot_releases(bucket_id, model, id, unheld_ns) VALUES(?1, ?2, ?3, ?4) "
        "ON CONFLICT(bucket_id, model, id) DO UPDATE SET unheld_ns = excluded.unheld_ns");
    if (!st) return fail(st.error());
    st->bind_all(bucket_id, model, id, now_ns);
    if (auto r = st->run(); !r) return r;
  }
  return {};
}

// Removes a deleted bucket's snapshots (none is held: the bucket had no tag),
// releasing the references of those still within their retention.
template <class Connection>
StoreResult<void> delete_bucket_snapshots(Connection& db, int64_t bucket_id,
                                          std::vector<std::string>& released) {
  auto st = db.prepare("SELECT model, id FROM snapshot_releases WHERE bucket_id = ?1");
  if (!st) return fail(st.error());
  st->bind(1, bucket_id);
  auto retained = st->collect(
      [](const auto& row) { return std::make_pair(row.column_text(0), row.column_text(1)); });
  if (!retained) return fail(retained.error());
  for (const auto& [model, id] : *retained) {
    if (auto r = release_references(db, bucket_id, model, id, released); !r) return r;
  }
  for (const char* sql : {"DELETE FROM snapshot_files WHERE bucket_id = ?1",
                          "DELETE FROM snapshots WHERE bucket_id = ?1"}) {
    auto st = db.prepare(sql);
    if (!st) return fail(st.error());
    st->bind(1, bucket_id);
    if (auto r = st->run(); !r) return r;
  }
  return {};
}

// The body of release_unheld_snapshots, inside its write transaction: drops
// the references of at most `limit` snapshots unheld before `unheld_before_ns`.
template <class Connection>
StoreResult<SnapshotReleases> release_due_snapshots(Connection& db, int64_t unheld_before_ns,
                                                    int limit) {
  struct UnheldSnapshot {
    int64_t bucket_id = 0;
    std::string model;
    std::string id;
  };
  auto st = db.prepare(
      "SELECT bucket_id, model, id FROM snapshot_releases WHERE unheld_ns < ?1 "
      "ORDER BY unheld_ns LIMIT ?2");
  if (!st) return fail(st.error());
  st->bind_all(unheld_before_ns, int64_t{limit});
  auto due = st->collect([](const auto& row) {
    UnheldSnapshot u;
    row.read_columns(0, u.bucket_id, u.model, u.id);
    return u;
  });
  if (!due) return fail(due.error());
  SnapshotReleases out;
  for (const auto& u : *due) {
    if (auto r = release_references(db, u.bucket_id, u.model, u.id, out.released_blobs); !r) {
      return fail(r.error());
    }
    ++out.snapshots;
  }
  return out;
}

}  // namespace moss::store::metadata_rows
