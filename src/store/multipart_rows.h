// Multipart uploads, once for both metadata stores: the rows, and what
// storing a part, listing, completing and aborting do to them.
//
// A part holds one reference to its blob, exactly as a version's segment does,
// so a part's blob survives restarts and the startup sweep of unreferenced
// blobs. Completing inserts the version (whose segments take their own
// references) and deletes the upload's rows (dropping the parts' references)
// in one transaction: a crash leaves either the upload or the object, never
// both and never neither.
//
// Templates over the connection, as metadata_rows.h; each function runs inside
// the caller's transaction. What the backends' SQL says differently (how a row
// is replaced, what sorts after every upload id) is passed in by each backend
// (sqlite_multipart.cpp, postgres_multipart.cpp), and the tables are each
// backend's.
#pragma once

#include <fmt/format.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "metadata_rows.h"
#include "moss/store/upload_types.h"
#include "moss/util/clock.h"
#include "moss/util/random_id.h"

namespace moss::store::metadata_rows {

// How long a completed upload answers a retried completion.
constexpr int64_t kCompletionMemoryNs = int64_t{24} * 3600 * 1'000'000'000;

// The columns upload_from_row reads, in its order.
constexpr const char* kUploadColumns =
    "id, upload_id, key, owner, initiated_ns, checksum_algorithm, checksum_type, attributes";

struct UploadRow {
  int64_t row_id = 0;
  MultipartUpload upload;
};

template <RowReader Row>
UploadRow upload_from_row(const Row& st) {
  UploadRow r;
  MultipartUpload& u = r.upload;
  st.read_columns(0, r.row_id, u.upload_id, u.key, u.owner, u.initiated_ns, u.checksum_algorithm,
                  u.checksum_type);
  r.upload.attributes = attributes_from_json(st.column_text(7));
  return r;
}

template <RowReader Row>
UploadPart part_from_row(const Row& st) {
  UploadPart p;
  st.read_columns(0, p.part_number, p.sha256, p.size, p.etag, p.checksum_algorithm, p.checksum,
                  p.last_modified_ns);
  return p;
}

// The upload `upload_id` of `key` in the bucket; kNoSuchUpload when there is
// none, or when the id names an upload of another key or bucket.
template <class Connection>
StoreResult<UploadRow> find_upload(Connection& db, int64_t bucket_id, std::string_view key,
                                   std::string_view upload_id) {
  static const std::string sql =
      std::string("SELECT ") + kUploadColumns + ", bucket_id FROM uploads WHERE upload_id = ?1";
  auto st = db.prepare(sql.c_str());
  if (!st) return fail(st.error());
  st->bind(1, upload_id);
  auto row = st->step();
  if (!row) return fail(row.error());
  if (!*row || st->column_int(8) != bucket_id || st->column_text(2) != key) {
    return store_fail(StoreErrc::kNoSuchUpload, std::string(upload_id));
  }
  return upload_from_row(*st);
}

template <class Connection>
StoreResult<std::vector<UploadPart>> parts_after(Connection& db, int64_t upload_row, int marker,
                                                 int limit) {
  auto st = db.prepare(
      "SELECT part_number, sha256, size, etag, checksum_algorithm, checksum, last_modified_ns "
      "FROM upload_parts WHERE upload = ?1 AND part_number > ?2 ORDER BY part_number LIMIT ?3");
  if (!st) return fail(st.error());
  st->bind(1, upload_row).bind(2, int64_t{marker}).bind(3, int64_t{limit});
  return st->collect([](const auto& row) { return part_from_row(row); });
}

inline std::vector<BlobSegment> as_segments(const std::vector<UploadPart>& parts) {
  std::vector<BlobSegment> segments;
  segments.reserve(parts.size());
  for (const auto& p : parts) segments.push_back(BlobSegment{p.sha256, p.size, p.part_number});
  return segments;
}

// Drops the upload's rows and its parts' blob references.
template <class Connection>
StoreResult<void> remove_upload(Connection& db, int64_t upload_row,
                                std::vector<std::string>& released) {
  auto parts = parts_after(db, upload_row, 0, 10000);
  if (!parts) return fail(parts.error());
  if (auto r = release_blob_refs(db, as_segments(*parts), released); !r) return r;
  auto del_parts = db.prepare("DELETE FROM upload_parts WHERE upload = ?1");
  if (!del_parts) return fail(del_parts.error());
  del_parts->bind(1, upload_row);
  if (auto r = del_parts->run(); !r) return r;
  auto del = db.prepare("DELETE FROM uploads WHERE id = ?1");
  if (!del) return fail(del.error());
  del->bind(1, upload_row);
  return del->run();
}

// Drops every upload of the bucket with its parts, adding to `released` the
// blobs whose last reference went away (DeleteBucket discards open uploads).
template <class Connection>
StoreResult<void> remove_bucket_uploads(Connection& db, int64_t bucket_id,
                                        std::vector<std::string>& released) {
  auto st = db.prepare("SELECT id FROM uploads WHERE bucket_id = ?1");
  if (!st) return fail(st.error());
  st->bind(1, bucket_id);
  auto rows = st->collect([](const auto& row) { return row.column_int(0); });
  if (!rows) return fail(rows.error());
  for (int64_t upload_row : *rows) {
    if (auto r = remove_upload(db, upload_row, released); !r) return r;
  }
  return {};
}

// The body of create_upload: `upload` with the id it was given, which starts
// with the initiation time, so that ids sort in initiation order.
template <class Connection>
StoreResult<MultipartUpload> insert_upload(Connection& db, int64_t bucket_id,
                                           MultipartUpload upload) {
  upload.upload_id =
      fmt::format("{:016x}{}", static_cast<uint64_t>(upload.initiated_ns), random_hex(16));
  auto st = db.prepare(
      "INSERT INTO uploads(bucket_id, key, upload_id, owner, initiated_ns, "
      "last_activity_ns, checksum_algorithm, checksum_type, attributes) "
      "VALUES(?1, ?2, ?3, ?4, ?5, ?5, ?6, ?7, ?8)");
  if (!st) return fail(st.error());
  st->bind_all(bucket_id, upload.key, upload.upload_id, upload.owner, upload.initiated_ns,
               upload.checksum_algorithm, upload.checksum_type,
               attributes_to_json(upload.attributes).dump());
  if (auto r = st->run(); !r) return fail(r.error());
  return upload;
}

// The body of put_part: stores `part`, replacing a part of the same number,
// and returns the blobs the replaced part's release left unreferenced.
// `upsert_part_sql` inserts or replaces an upload_parts row from (upload,
// part_number, sha256, size, etag, checksum_algorithm, checksum,
// last_modified_ns) as ?1..?8.
template <class Connection>
StoreResult<std::vector<std::string>> store_part(Connection& db, int64_t bucket_id,
                                                 std::string_view key, std::string_view upload_id,
                                                 const UploadPart& part,
                                                 const char* upsert_part_sql) {
  auto u = find_upload(db, bucket_id, key, upload_id);
  if (!u) return fail(u.error());

  auto previous = parts_after(db, u->row_id, part.part_number - 1, 1);
  if (!previous) return fail(previous.error());
  if (!previous->empty() && previous->front().part_number != part.part_number) {
    previous->clear();
  }

  auto st = db.prepare(upsert_part_sql);
  if (!st) return fail(st.error());
  st->bind_all(u->row_id, int64_t{part.part_number}, part.sha256, static_cast<int64_t>(part.size),
               part.etag, part.checksum_algorithm, part.checksum, part.last_modified_ns);
  if (auto r = st->run(); !r) return fail(r.error());
  // The new reference first: re-uploading identical bytes never drops the blob.
  if (part.reuses_referenced_blob) {
    if (auto r = require_referenced(db, as_segments({part})); !r) return fail(r.error());
  }
  if (auto r = add_blob_refs(db, as_segments({part})); !r) return fail(r.error());
  std::vector<std::string> released;
  if (auto r = release_blob_refs(db, as_segments(*previous), released); !r) {
    return fail(r.error());
  }

  auto touch = db.prepare("UPDATE uploads SET last_activity_ns = ?2 WHERE id = ?1");
  if (!touch) return fail(touch.error());
  touch->bind(1, u->row_id).bind(2, part.last_modified_ns);
  if (auto r = touch->run(); !r) return fail(r.error());
  return released;
}

// The body of list_parts.
template <class Connection>
StoreResult<PartListPage> list_upload_parts(Connection& db, int64_t bucket_id, std::string_view key,
                                            std::string_view upload_id, const PartListQuery& q) {
  auto u = find_upload(db, bucket_id, key, upload_id);
  if (!u) return fail(u.error());
  PartListPage page;
  page.upload = std::move(u->upload);
  if (q.max_parts <= 0) return page;
  auto parts = parts_after(db, u->row_id, q.marker, q.max_parts + 1);
  if (!parts) return fail(parts.error());
  page.parts = std::move(*parts);
  if (page.parts.size() > static_cast<size_t>(q.max_parts)) {
    page.parts.resize(static_cast<size_t>(q.max_parts));
    page.truncated = true;
  }
  if (!page.parts.empty()) page.next_marker = page.parts.back().part_number;
  return page;
}

// The body of list_uploads. `after_all_upload_ids` sorts after every upload id
// (lowercase hex) in the backend's collation.
template <class Connection>
StoreResult<UploadListPage> list_bucket_uploads(Connection& db, const Bucket& b,
                                                const UploadListQuery& q,
                                                const char* after_all_upload_ids) {
  UploadListPage page;
  if (q.max_uploads <= 0) return page;

  // The scan resumes after the position (key, upload id), within the prefix.
  std::string after_key = q.key_marker;
  std::string after_id = q.key_marker.empty()         ? std::string()
                         : q.upload_id_marker.empty() ? std::string(after_all_upload_ids)
                                                      : q.upload_id_marker;
  const std::string upper = prefix_upper_bound(q.prefix);
  int count = 0;

  static const std::string sql = std::string("SELECT ") + kUploadColumns +
                                 " FROM uploads WHERE bucket_id = ?1 AND key >= ?2 AND key < ?3 "
                                 "AND (key, upload_id) > (?4, ?5) ORDER BY key, upload_id LIMIT ?6";
  while (true) {
    auto st = db.prepare(sql.c_str());
    if (!st) return fail(st.error());
    st->bind_all(b.id, q.prefix, upper, after_key, after_id, int64_t{q.max_uploads - count + 1});
    bool seeked = false;  // jumped past a common prefix: query again from there
    bool any_row = false;
    while (!seeked) {
      auto row = st->step();
      if (!row) return fail(row.error());
      if (!*row) break;
      any_row = true;
      UploadRow r = upload_from_row(*st);
      if (!q.delimiter.empty()) {
        auto pos = r.upload.key.find(q.delimiter, q.prefix.size());
        if (pos != std::string::npos) {
          std::string common = r.upload.key.substr(0, pos + q.delimiter.size());
          after_key = prefix_upper_bound(common);
          after_id.clear();
          seeked = true;
          if (!q.key_marker.empty() && common <= q.key_marker) continue;
          if (count == q.max_uploads) {
            page.truncated = true;
            return page;
          }
          page.next_key_marker = common;
          page.next_upload_id_marker.clear();
          page.common_prefixes.push_back(std::move(common));
          ++count;
          continue;
        }
      }
      if (count == q.max_uploads) {
        page.truncated = true;
        return page;
      }
      after_key = r.upload.key;
      after_id = r.upload.upload_id;
      page.next_key_marker = r.upload.key;
      page.next_upload_id_marker = r.upload.upload_id;
      page.uploads.push_back(std::move(r.upload));
      ++count;
    }
    if (!any_row || !seeked) break;
  }
  return page;
}

// Records that `upload_id` completed as version row `version_row`, written at
// `now_ns` (the version's last_modified_ns), and forgets completions older
// than a day. `upsert_completion_sql` inserts or replaces a completed_uploads
// row from (upload_id, bucket_id, key, version_row, completed_ns) as ?1..?5.
template <class Connection>
StoreResult<void> remember_completion(Connection& db, int64_t bucket_id, std::string_view key,
                                      std::string_view upload_id, int64_t version_row,
                                      int64_t now_ns, const char* upsert_completion_sql) {
  auto prune = db.prepare("DELETE FROM completed_uploads WHERE completed_ns < ?1");
  if (!prune) return fail(prune.error());
  prune->bind(1, now_ns - kCompletionMemoryNs);
  if (auto r = prune->run(); !r) return r;
  auto st = db.prepare(upsert_completion_sql);
  if (!st) return fail(st.error());
  st->bind_all(upload_id, bucket_id, key, version_row, now_ns);
  return st->run();
}

// The body of complete_upload: checks that every segment of `v` is the part
// stored under its number (kInvalidPart), commits `v` as commit_version does,
// removes the upload and remembers the completion (remember_completion).
template <class Connection>
StoreResult<CommitOutcome> complete_upload_rows(Connection& db, const Bucket& b,
                                                std::string_view upload_id, const NewVersion& v,
                                                const WritePreconditions& pre,
                                                const char* upsert_completion_sql) {
  auto u = find_upload(db, b.id, v.key, upload_id);
  if (!u) return fail(u.error());

  auto parts = parts_after(db, u->row_id, 0, 10000);
  if (!parts) return fail(parts.error());
  std::map<int, const UploadPart*> by_number;
  for (const auto& p : *parts) by_number.emplace(p.part_number, &p);
  for (const auto& segment : v.segments) {
    auto it = by_number.find(segment.part_number);
    if (it == by_number.end() || it->second->sha256 != segment.sha256 ||
        it->second->size != segment.size) {
      return store_fail(StoreErrc::kInvalidPart,
                        "part " + std::to_string(segment.part_number) + " changed");
    }
  }

  auto out = commit_new_version(db, b, v, pre);
  if (!out) return fail(out.error());
  if (auto r = remove_upload(db, u->row_id, out->released_blobs); !r) {
    return fail(r.error());
  }
  if (auto r = remember_completion(db, b.id, v.key, upload_id, out->version.row_id,
                                   v.last_modified_ns, upsert_completion_sql);
      !r) {
    return fail(r.error());
  }
  return out;
}

// The body of find_completed_upload: the version a completion of `upload_id`
// made within the last day, while it is still what `key` holds;
// kNoSuchUpload otherwise.
template <class Connection>
StoreResult<ObjectVersion> find_completion(Connection& db, const Bucket& b, std::string_view key,
                                           std::string_view upload_id) {
  auto st = db.prepare(
      "SELECT version_row, completed_ns FROM completed_uploads "
      "WHERE upload_id = ?1 AND bucket_id = ?2 AND key = ?3 AND completed_ns >= ?4");
  if (!st) return fail(st.error());
  st->bind_all(upload_id, b.id, key, now_unix_nanos() - kCompletionMemoryNs);
  auto row = st->step();
  if (!row) return fail(row.error());
  const int64_t version_row = *row ? st->column_int(0) : 0;
  const int64_t completed_ns = *row ? st->column_int(1) : 0;
  st->reset();
  if (version_row == 0) return store_fail(StoreErrc::kNoSuchUpload, std::string(upload_id));
  // Only while what it wrote is still what the key holds, at the same write
  // time. A row id alone does not say so: SQLite may give a replaced row's id
  // to its successor.
  auto latest = find_latest(db, b.id, key);
  if (!latest) return fail(latest.error());
  if (!*latest || (*latest)->row_id != version_row || (*latest)->last_modified_ns != completed_ns) {
    return store_fail(StoreErrc::kNoSuchUpload, std::string(upload_id));
  }
  (*latest)->bucket_versioning = b.versioning;
  return std::move(**latest);
}

// The body of abort_upload: the blobs left unreferenced.
template <class Connection>
StoreResult<std::vector<std::string>> abort_upload_rows(Connection& db, int64_t bucket_id,
                                                        std::string_view key,
                                                        std::string_view upload_id) {
  auto u = find_upload(db, bucket_id, key, upload_id);
  if (!u) return fail(u.error());
  std::vector<std::string> released;
  if (auto r = remove_upload(db, u->row_id, released); !r) return fail(r.error());
  return released;
}

// The body of list_idle_uploads: uploads of any bucket without activity since
// `idle_since_ns`, the idlest first.
template <class Connection>
StoreResult<std::vector<UploadRef>> idle_uploads(Connection& db, int64_t idle_since_ns, int limit) {
  auto st = db.prepare(
      "SELECT buckets.name, uploads.key, uploads.upload_id FROM uploads "
      "JOIN buckets ON buckets.id = uploads.bucket_id "
      "WHERE uploads.last_activity_ns < ?1 ORDER BY uploads.last_activity_ns LIMIT ?2");
  if (!st) return fail(st.error());
  st->bind(1, idle_since_ns).bind(2, int64_t{limit});
  return st->collect([](const auto& row) {
    return UploadRef{row.column_text(0), row.column_text(1), row.column_text(2)};
  });
}

}  // namespace moss::store::metadata_rows
