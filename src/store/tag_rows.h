// Model tags (tag_types.h), once for both metadata stores: the rows, the
// compare-and-swap of a tag write, and its history.
//
// A tag row holds one blob reference per segment of each version it pins, the
// same references versions and upload parts hold (add_blob_refs /
// release_blob_refs), so the startup sweep and the removal of released blobs
// treat pinned bytes like any others. Moving a tag takes the new references
// before it drops the old ones, in the transaction that writes the tag and its
// history row: a crash leaves the old tag or the new one, with its bytes.
//
// Templates over the connection, as metadata_rows.h; each function runs inside
// the caller's transaction. The tables are each backend's (sqlite_tags.cpp,
// postgres_schema.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "metadata_rows.h"
#include "moss/store/tag_types.h"
#include "snapshot_rows.h"

namespace moss::store::metadata_rows {

// The columns tag_from_row reads, in its order.
constexpr const char* kTagColumns =
    "key, model, tag, targets, pinned, etag, updated_ns, updated_by, snapshots";

template <RowReader Row>
TagRecord tag_from_row(const Row& st, int64_t bucket_id) {
  TagRecord t;
  st.read_columns(0, t.key, t.model, t.tag, t.targets);
  t.pins = pins_from_json(st.column_text(4), bucket_id);
  st.read_columns(5, t.etag, t.updated_ns, t.updated_by);
  t.snapshots = ids_from_json(st.column_text(8));
  return t;
}

template <RowReader Row>
TagHistoryEntry history_from_row(const Row& row) {
  TagHistoryEntry e;
  row.read_columns(0, e.seq, e.time_ns, e.actor, e.action, e.old_targets, e.new_targets, e.old_etag,
                   e.new_etag, e.resolved);
  return e;
}

template <class Connection>
StoreResult<std::optional<TagRecord>> find_tag(Connection& db, int64_t bucket_id,
                                               std::string_view key) {
  static const std::string sql =
      std::string("SELECT ") + kTagColumns + " FROM tags WHERE bucket_id = ?1 AND key = ?2";
  auto st = db.prepare(sql.c_str());
  if (!st) return fail(st.error());
  st->bind_all(bucket_id, key);
  return st->first_row([&](const auto& row) { return tag_from_row(row, bucket_id); });
}

// The tag at `key`; kNoSuchKey when there is none.
template <class Connection>
StoreResult<TagRecord> get_tag_record(Connection& db, int64_t bucket_id, std::string_view key) {
  auto tag = find_tag(db, bucket_id, key);
  if (!tag) return fail(tag.error());
  if (!*tag) return store_fail(StoreErrc::kNoSuchKey, std::string(key));
  return std::move(**tag);
}

// The body of list_tags: a model's tags in tag order, or the tags of a key
// range in key order.
template <class Connection>
StoreResult<std::vector<TagRecord>> list_tag_records(Connection& db, int64_t bucket_id,
                                                     const TagListQuery& q) {
  static const std::string by_model = std::string("SELECT ") + kTagColumns +
                                      " FROM tags WHERE bucket_id = ?1 AND model = ?2 "
                                      "ORDER BY tag LIMIT ?3";
  static const std::string by_range = std::string("SELECT ") + kTagColumns +
                                      " FROM tags WHERE bucket_id = ?1 AND key >= ?2 AND "
                                      "key < ?3 ORDER BY key LIMIT ?4";
  auto st = db.prepare(q.model ? by_model.c_str() : by_range.c_str());
  if (!st) return fail(st.error());
  if (q.model) {
    st->bind(1, bucket_id).bind(2, *q.model).bind(3, int64_t{q.limit});
  } else {
    st->bind(1, bucket_id).bind(2, q.lower).bind(3, q.upper).bind(4, int64_t{q.limit});
  }
  return st->collect([&](const auto& row) { return tag_from_row(row, bucket_id); });
}

// The body of tag_history: entries of `key` below `before_seq` (0: from the
// newest), newest first.
template <class Connection>
StoreResult<std::vector<TagHistoryEntry>> read_tag_history(Connection& db, int64_t bucket_id,
                                                           std::string_view key, int64_t before_seq,
                                                           int limit) {
  auto st = db.prepare(
      "SELECT seq, time_ns, actor, action, old_targets, new_targets, old_etag, new_etag, "
      "resolved FROM tag_history WHERE bucket_id = ?1 AND key = ?2 AND seq < ?3 "
      "ORDER BY seq DESC LIMIT ?4");
  if (!st) return fail(st.error());
  st->bind_all(bucket_id, key, before_seq > 0 ? before_seq : INT64_MAX, int64_t{limit});
  return st->collect([](const auto& row) { return history_from_row(row); });
}

// The tag as it is before a write, once `pre` has been checked against it
// (kPreconditionFailed); nullopt when there is none.
template <class Connection>
StoreResult<std::optional<TagRecord>> tag_before_write(Connection& db, int64_t bucket_id,
                                                       std::string_view key,
                                                       const TagPreconditions& pre) {
  auto current = find_tag(db, bucket_id, key);
  if (!current) return fail(current.error());
  const auto& tag = *current;
  if (pre.if_match && (!tag || (*pre.if_match != "*" && *pre.if_match != tag->etag))) {
    return store_fail(StoreErrc::kPreconditionFailed, std::string(key));
  }
  if (pre.if_none_match_any && tag) {
    return store_fail(StoreErrc::kPreconditionFailed, std::string(key));
  }
  return current;
}

inline std::vector<BlobSegment> segments_of(const std::vector<ObjectVersion>& pins) {
  std::vector<BlobSegment> out;
  for (const auto& p : pins) out.insert(out.end(), p.segments.begin(), p.segments.end());
  return out;
}

struct TagHistoryRow {
  std::string key;
  int64_t time_ns = 0;
  std::string actor;
  std::string action;
  std::string old_targets;
  std::string new_targets;
  std::string old_etag;
  std::string new_etag;
  std::string resolved;
};

// Appends `h` to the key's history; its sequence number.
template <class Connection>
StoreResult<int64_t> append_history(Connection& db, int64_t bucket_id, const TagHistoryRow& h) {
  auto st = db.prepare(
      "INSERT INTO tag_history(bucket_id, key, seq, time_ns, actor, action, old_targets, "
      "new_targets, old_etag, new_etag, resolved) "
      "VALUES(?1, ?2, (SELECT COALESCE(MAX(seq), 0) + 1 FROM tag_history "
      "WHERE bucket_id = ?1 AND key = ?2), ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) RETURNING seq");
  if (!st) return fail(st.error());
  st->bind_all(bucket_id, h.key, h.time_ns, h.actor, h.action, h.old_targets, h.new_targets,
               h.old_etag, h.new_etag, h.resolved);
  auto row = st->step();
  if (!row) return fail(row.error());
  int64_t seq = *row ? st->column_int(0) : 0;
  st->reset();
  return seq;
}

// The body of set_tag, inside its transaction.
template <class Connection>
StoreResult<TagWriteOutcome> write_tag(Connection& db, int64_t bucket_id, const TagWrite& w,
                                       const TagPreconditions& pre) {
  const std::string& key = w.key;
  auto current = tag_before_write(db, bucket_id, key, pre);
  if (!current) return fail(current.error());

  TagRecord tag{key, w.model, w.tag, w.targets, {}, {}, w.etag, w.now_ns, w.actor};
  for (const auto& s : w.snapshots) tag.snapshots.push_back(s.id);
  for (const auto& pin : w.pins) {
    auto version = find_by_version_id(db, bucket_id, pin.key, pin.version_id);
    if (!version) return fail(version.error());
    if (!*version || (*version)->is_delete_marker ||
        (pin.row_id != 0 && (*version)->row_id != pin.row_id)) {
      return store_fail(StoreErrc::kNoSuchKey, pin.key);
    }
    tag.pins.push_back(std::move(**version));
  }

  TagWriteOutcome out;
  // New references first: a blob both states use never drops to zero.
  if (auto r = add_blob_refs(db, segments_of(tag.pins)); !r) return fail(r.error());
  if (auto r = hold_snapshots(db, bucket_id, w.model, w.snapshots, w.now_ns); !r) {
    return fail(r.error());
  }
  if (*current) {
    if (auto r = release_blob_refs(db, segments_of((*current)->pins), out.released_blobs); !r) {
      return fail(r.error());
    }
    if (auto r =
            release_snapshots(db, bucket_id, (*current)->model, (*current)->snapshots, w.now_ns);
        !r) {
      return fail(r.error());
    }
  }
  auto st = db.prepare(
      "INSERT INTO tags(bucket_id, key, model, tag, targets, pinned, etag, updated_ns, "
      "updated_by, snapshots) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
      "ON CONFLICT(bucket_id, key) DO UPDATE SET targets = excluded.targets, "
      "pinned = excluded.pinned, etag = excluded.etag, updated_ns = excluded.updated_ns, "
      "updated_by = excluded.updated_by, snapshots = excluded.snapshots");
  if (!st) return fail(st.error());
  st->bind_all(bucket_id, key, w.model, w.tag, w.targets, pins_to_json(tag.pins).dump(), w.etag,
               w.now_ns, w.actor, ids_to_json(tag.snapshots));
  if (auto r = st->run(); !r) return fail(r.error());

  TagHistoryRow h{key,
                  w.now_ns,
                  w.actor,
                  w.action,
                  *current ? (*current)->targets : std::string(),
                  w.targets,
                  *current ? (*current)->etag : std::string(),
                  w.etag,
                  w.resolved};
  auto seq = append_history(db, bucket_id, h);
  if (!seq) return fail(seq.error());
  out.history_seq = *seq;
  out.tag = std::move(tag);
  return out;
}

// The body of delete_tag, inside its transaction.
template <class Connection>
StoreResult<TagWriteOutcome> remove_tag(Connection& db, int64_t bucket_id, std::string_view key,
                                        const std::string& actor, int64_t now_ns,
                                        const TagPreconditions& pre) {
  auto current = tag_before_write(db, bucket_id, key, pre);
  if (!current) return fail(current.error());
  if (!*current) return store_fail(StoreErrc::kNoSuchKey, std::string(key));

  TagWriteOutcome out;
  if (auto r = release_blob_refs(db, segments_of((*current)->pins), out.released_blobs); !r) {
    return fail(r.error());
  }
  if (auto r = release_snapshots(db, bucket_id, (*current)->model, (*current)->snapshots, now_ns);
      !r) {
    return fail(r.error());
  }
  auto del = db.prepare("DELETE FROM tags WHERE bucket_id = ?1 AND key = ?2");
  if (!del) return fail(del.error());
  del->bind(1, bucket_id).bind(2, key);
  if (auto r = del->run(); !r) return fail(r.error());
  TagHistoryRow h{std::string(key), now_ns, actor, "delete", (*current)->targets, "",
                  (*current)->etag, "",     ""};
  auto seq = append_history(db, bucket_id, h);
  if (!seq) return fail(seq.error());
  out.history_seq = *seq;
  return out;
}

// Whether the bucket has any tag (a bucket with tags is not empty).
template <class Connection>
StoreResult<bool> bucket_has_tags(Connection& db, int64_t bucket_id) {
  auto st = db.prepare("SELECT 1 FROM tags WHERE bucket_id = ?1 LIMIT 1");
  if (!st) return fail(st.error());
  st->bind(1, bucket_id);
  auto row = st->step();
  if (!row) return fail(row.error());
  return *row;
}

// Removes a deleted bucket's tag history.
template <class Connection>
StoreResult<void> delete_bucket_tag_history(Connection& db, int64_t bucket_id) {
  auto st = db.prepare("DELETE FROM tag_history WHERE bucket_id = ?1");
  if (!st) return fail(st.error());
  st->bind(1, bucket_id);
  return st->run();
}

// The tags of a listing window [lower, upper) in key order, read alongside the
// object index scan of list_objects and merged with it (object_listing.h).
template <class Connection>
class TagKeyCursor {
 public:
  // At most `limit` rows from `lower`.
  static StoreResult<TagKeyCursor> open(Connection& db, int64_t bucket_id, const std::string& lower,
                                        const std::string& upper, int64_t limit) {
    auto st = db.prepare(
        "SELECT key, etag, updated_ns, updated_by FROM tags "
        "WHERE bucket_id = ?1 AND key >= ?2 AND key < ?3 ORDER BY key LIMIT ?4");
    if (!st) return fail(st.error());
    st->bind(1, bucket_id).bind(2, lower).bind(3, upper).bind(4, limit);
    TagKeyCursor cursor(std::move(*st));
    cursor.entry_.bucket_id = bucket_id;
    cursor.entry_.is_latest = true;
    cursor.entry_.is_tag = true;
    if (auto r = cursor.next(); !r) return fail(r.error());
    return cursor;
  }
  bool valid() const { return valid_; }
  // The current tag as a listing entry (is_tag set). Only while valid().
  const ObjectVersion& entry() const { return entry_; }
  StoreResult<void> next() {
    auto row = st_.step();
    if (!row) return fail(row.error());
    valid_ = *row;
    if (valid_) {
      st_.read_columns(0, entry_.key, entry_.etag, entry_.last_modified_ns, entry_.owner);
      entry_.size = 0;
    }
    return {};
  }

 private:
  using Statement = StatementOf<Connection>;
  explicit TagKeyCursor(Statement st) : st_(std::move(st)) {}
  Statement st_;
  bool valid_ = false;
  ObjectVersion entry_;
};

}  // namespace moss::store::metadata_rows
