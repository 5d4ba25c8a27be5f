// Model tags in the PostgreSQL metadata store (tag_types.h), as in sqlite_tags.cpp.
//
// A tag row holds one blob reference per segment of each version it pins, the
// same references versions and upload parts hold (add_blob_refs /
// release_blob_refs), so the startup sweep and the removal of released blobs
// treat pinned bytes like any others. Moving a tag takes the new references
// before it drops the old ones, in the transaction that writes the tag and its
// history row: a crash leaves the old tag or the new one, with its bytes.
#include <nlohmann/json.hpp>

#include "moss/store/postgres_metadata_store.h"
#include "postgres_records.h"

namespace moss::store {

using namespace postgres_records;
using json = nlohmann::json;

namespace {

constexpr const char* kTagColumns =
    "key, model, tag, targets, pinned, etag, updated_ns, updated_by, snapshots";

std::string ids_to_json(const std::vector<std::string>& ids) { return json(ids).dump(); }

std::vector<std::string> ids_from_json(const std::string& text) {
  json arr = json::parse(text, nullptr, false);
  std::vector<std::string> out;
  if (!arr.is_array()) return out;
  for (const auto& id : arr) {
    if (id.is_string()) out.push_back(id.get<std::string>());
  }
  return out;
}

json pins_to_json(const std::vector<ObjectVersion>& pins) {
  json arr = json::array();
  for (const auto& v : pins) {
    json o = {{"key", v.key},
              {"version_id", v.version_id},
              {"size", v.size},
              {"etag", v.etag},
              {"last_modified_ns", v.last_modified_ns},
              {"content_sha256", v.content_sha256},
              {"owner", v.owner},
              {"segments", segments_to_json(v.segments)},
              {"attributes", attributes_to_json(v.attributes)}};
    if (!v.model_metadata.empty()) o["model_metadata"] = v.model_metadata;
    arr.push_back(std::move(o));
  }
  return arr;
}

std::vector<ObjectVersion> pins_from_json(const std::string& text, int64_t bucket_id) {
  std::vector<ObjectVersion> out;
  json arr = json::parse(text, nullptr, false);
  if (!arr.is_array()) return out;
  for (const auto& o : arr) {
    if (!o.is_object()) continue;
    ObjectVersion v;
    v.bucket_id = bucket_id;
    v.key = o.value("key", "");
    v.version_id = o.value("version_id", "");
    v.size = o.value("size", uint64_t{0});
    v.etag = o.value("etag", "");
    v.last_modified_ns = o.value("last_modified_ns", int64_t{0});
    v.content_sha256 = o.value("content_sha256", "");
    v.owner = o.value("owner", "");
    if (auto it = o.find("segments"); it != o.end()) v.segments = segments_from_json(it->dump());
    if (auto it = o.find("attributes"); it != o.end()) {
      v.attributes = attributes_from_json(it->dump());
    }
    v.model_metadata = o.value("model_metadata", "");
    out.push_back(std::move(v));
  }
  return out;
}

TagRecord tag_from_row(const PgStatement& st, int64_t bucket_id) {
  TagRecord t;
  st.read_columns(0, t.key, t.model, t.tag, t.targets);
  t.pins = pins_from_json(st.column_text(4), bucket_id);
  st.read_columns(5, t.etag, t.updated_ns, t.updated_by);
  t.snapshots = ids_from_json(st.column_text(8));
  return t;
}

StoreResult<std::optional<TagRecord>> find_tag(PgConnection& db, int64_t bucket_id,
                                               std::string_view key) {
  static const std::string sql =
      std::string("SELECT ") + kTagColumns + " FROM tags WHERE bucket_id = ?1 AND key = ?2";
  auto st = db.prepare(sql.c_str());
  if (!st) return fail(st.error());
  st->bind_all(bucket_id, key);
  return st->first_row([&](PgStatement& row) { return tag_from_row(row, bucket_id); });
}

// The tag as it is before a write, once `pre` has been checked against it
// (kPreconditionFailed); nullopt when there is none.
StoreResult<std::optional<TagRecord>> tag_before_write(PgConnection& db, int64_t bucket_id,
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

std::vector<BlobSegment> segments_of(const std::vector<ObjectVersion>& pins) {
  std::vector<BlobSegment> out;
  for (const auto& p : pins) out.insert(out.end(), p.segments.begin(), p.segments.end());
  return out;
}

struct HistoryRow {
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

TagHistoryEntry history_from_row(const PgStatement& row) {
  TagHistoryEntry e;
  row.read_columns(0, e.seq, e.time_ns, e.actor, e.action, e.old_targets, e.new_targets, e.old_etag,
                   e.new_etag, e.resolved);
  return e;
}

StoreResult<int64_t> append_history(PgConnection& db, int64_t bucket_id, const HistoryRow& h) {
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
StoreResult<TagWriteOutcome> write_tag(PgConnection& db, int64_t bucket_id, const TagWrite& w,
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

  HistoryRow h{key,
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
StoreResult<TagWriteOutcome> remove_tag(PgConnection& db, int64_t bucket_id, std::string_view key,
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
  HistoryRow h{std::string(key), now_ns, actor, "delete", (*current)->targets, "",
               (*current)->etag, "",     ""};
  auto seq = append_history(db, bucket_id, h);
  if (!seq) return fail(seq.error());
  out.history_seq = *seq;
  return out;
}

}  // namespace

namespace postgres_records {

StoreResult<bool> bucket_has_tags(PgConnection& db, int64_t bucket_id) {
  auto st = db.prepare("SELECT 1 FROM tags WHERE bucket_id = ?1 LIMIT 1");
  if (!st) return fail(st.error());
  st->bind(1, bucket_id);
  auto row = st->step();
  if (!row) return fail(row.error());
  return *row;
}

StoreResult<void> delete_bucket_tag_history(PgConnection& db, int64_t bucket_id) {
  auto st = db.prepare("DELETE FROM tag_history WHERE bucket_id = ?1");
  if (!st) return fail(st.error());
  st->bind(1, bucket_id);
  return st->run();
}

StoreResult<TagKeyCursor> TagKeyCursor::open(PgConnection& db, int64_t bucket_id,
                                             const std::string& lower, const std::string& upper,
                                             int64_t limit) {
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

StoreResult<void> TagKeyCursor::next() {
  auto row = st_.step();
  if (!row) return fail(row.error());
  valid_ = *row;
  if (valid_) {
    st_.read_columns(0, entry_.key, entry_.etag, entry_.last_modified_ns, entry_.owner);
    entry_.size = 0;
  }
  return {};
}

}  // namespace postgres_records

StoreResult<TagRecord> PostgresMetadataStore::get_tag(std::string_view bucket,
                                                      std::string_view key) {
  using Tag = StoreResult<TagRecord>;
  return read_in_bucket(bucket, [&](PgConnection& db, const Bucket& b) -> Tag {
    auto tag = find_tag(db, b.id, key);
    if (!tag) return fail(tag.error());
    if (!*tag) return store_fail(StoreErrc::kNoSuchKey, std::string(key));
    return std::move(**tag);
  });
}

StoreResult<std::vector<TagRecord>> PostgresMetadataStore::list_tags(std::string_view bucket,
                                                                     const TagListQuery& q) {
  static const std::string by_model = std::string("SELECT ") + kTagColumns +
                                      " FROM tags WHERE bucket_id = ?1 AND model = ?2 "
                                      "ORDER BY tag LIMIT ?3";
  static const std::string by_range = std::string("SELECT ") + kTagColumns +
                                      " FROM tags WHERE bucket_id = ?1 AND key >= ?2 AND "
                                      "key < ?3 ORDER BY key LIMIT ?4";
  using Tags = StoreResult<std::vector<TagRecord>>;
  return read_in_bucket(bucket, [&](PgConnection& db, const Bucket& b) -> Tags {
    auto st = db.prepare(q.model ? by_model.c_str() : by_range.c_str());
    if (!st) return fail(st.error());
    if (q.model) {
      st->bind(1, b.id).bind(2, *q.model).bind(3, int64_t{q.limit});
    } else {
      st->bind(1, b.id).bind(2, q.lower).bind(3, q.upper).bind(4, int64_t{q.limit});
    }
    return st->collect([&](PgStatement& row) { return tag_from_row(row, b.id); });
  });
}

StoreResult<TagWriteOutcome> PostgresMetadataStore::set_tag(std::string_view bucket,
                                                            const TagWrite& w,
                                                            const TagPreconditions& pre) {
  return write_in_bucket(
      bucket, [&](PgConnection& db, const Bucket& b) { return write_tag(db, b.id, w, pre); });
}

StoreResult<TagWriteOutcome> PostgresMetadataStore::delete_tag(std::string_view bucket,
                                                               std::string_view key,
                                                               const std::string& actor,
                                                               int64_t now_ns,
                                                               const TagPreconditions& pre) {
  return write_in_bucket(bucket, [&](PgConnection& db, const Bucket& b) {
    return remove_tag(db, b.id, key, actor, now_ns, pre);
  });
}

StoreResult<std::vector<TagHistoryEntry>> PostgresMetadataStore::tag_history(
    std::string_view bucket, std::string_view key, int64_t before_seq, int limit) {
  using History = StoreResult<std::vector<TagHistoryEntry>>;
  return read_in_bucket(bucket, [&](PgConnection& db, const Bucket& b) -> History {
    auto st = db.prepare(
        "SELECT seq, time_ns, actor, action, old_targets, new_targets, old_etag, new_etag, "
        "resolved FROM tag_history WHERE bucket_id = ?1 AND key = ?2 AND seq < ?3 "
        "ORDER BY seq DESC LIMIT ?4");
    if (!st) return fail(st.error());
    st->bind_all(b.id, key, before_seq > 0 ? before_seq : INT64_MAX, int64_t{limit});
    return st->collect(history_from_row);
  });
}

StoreResult<void> PostgresMetadataStore::set_content_sha256(std::string_view bucket,
                                                            std::string_view key, int64_t row_id,
                                                            const std::string& sha256_hex) {
  return write_in_bucket(bucket, [&](PgConnection& db, const Bucket& b) -> StoreResult<void> {
    auto st = db.prepare(
        "UPDATE versions SET content_sha256 = ?4 WHERE id = ?3 AND bucket_id = ?1 AND key = ?2 "
        "AND content_sha256 = ''");
    if (!st) return fail(st.error());
    st->bind(1, b.id).bind(2, key).bind(3, row_id).bind(4, sha256_hex);
    return st->run();
  });
}

}  // namespace moss::store
