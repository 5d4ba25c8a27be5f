// Model tags in the SQLite metadata store (tag_types.h): the tables, and the
// store's tag operations, each in its transaction. What a tag write does is
// tag_rows.h, shared with the PostgreSQL store.
#include "moss/store/sqlite_metadata_store.h"
#include "sqlite_records.h"

namespace moss::store {

using namespace sqlite_records;

namespace {

// Keys compare in BINARY collation like version keys, so tag keys merge into
// listings in the same order. The key, model and tag columns hold what the
// model layer gave (TagWrite); the model column makes a model's tags one index
// range.
constexpr const char* kTagSchema = R"sql(
CREATE TABLE IF NOT EXISTS tags(
  bucket_id INTEGER NOT NULL REFERENCES buckets(id),
  key TEXT NOT NULL,
  model TEXT NOT NULL,
  tag TEXT NOT NULL,
  targets TEXT NOT NULL,
  pinned TEXT NOT NULL,
  snapshots TEXT NOT NULL DEFAULT '[]',
  etag TEXT NOT NULL,
  updated_ns INTEGER NOT NULL,
  updated_by TEXT NOT NULL,
  PRIMARY KEY(bucket_id, key)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS tags_by_model ON tags(bucket_id, model, tag);
CREATE TABLE IF NOT EXISTS tag_history(
  id INTEGER PRIMARY KEY,
  bucket_id INTEGER NOT NULL,
  key TEXT NOT NULL,
  seq INTEGER NOT NULL,
  time_ns INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  old_targets TEXT NOT NULL,
  new_targets TEXT NOT NULL,
  old_etag TEXT NOT NULL,
  new_etag TEXT NOT NULL,
  resolved TEXT NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS tag_history_by_key ON tag_history(bucket_id, key, seq);
)sql";

// A tags table from before directory tags lacks the snapshots column.
StoreResult<void> add_snapshots_column(SqliteConnection& db) {
  auto st = db.prepare("SELECT 1 FROM pragma_table_info('tags') WHERE name = 'snapshots'");
  if (!st) return fail(st.error());
  auto row = st->step();
  if (!row) return fail(row.error());
  if (*row) return {};
  st->reset();
  return db.exec("ALTER TABLE tags ADD COLUMN snapshots TEXT NOT NULL DEFAULT '[]'");
}

}  // namespace

StoreResult<void> sqlite_records::create_tag_tables(SqliteConnection& db) {
  if (auto r = db.exec(kTagSchema); !r) return r;
  return add_snapshots_column(db);
}

StoreResult<TagRecord> SqliteMetadataStore::get_tag(std::string_view bucket, std::string_view key) {
  return read_in_bucket(
      bucket, [&](SqliteConnection& db, const Bucket& b) { return get_tag_record(db, b.id, key); });
}

StoreResult<std::vector<TagRecord>> SqliteMetadataStore::list_tags(std::string_view bucket,
                                                                   const TagListQuery& q) {
  return read_in_bucket(
      bucket, [&](SqliteConnection& db, const Bucket& b) { return list_tag_records(db, b.id, q); });
}

StoreResult<TagWriteOutcome> SqliteMetadataStore::set_tag(std::string_view bucket,
                                                          const TagWrite& w,
                                                          const TagPreconditions& pre) {
  return write_in_bucket(
      bucket, [&](SqliteConnection& db, const Bucket& b) { return write_tag(db, b.id, w, pre); });
}

StoreResult<TagWriteOutcome> SqliteMetadataStore::delete_tag(std::string_view bucket,
                                                             std::string_view key,
                                                             const std::string& actor,
                                                             int64_t now_ns,
                                                             const TagPreconditions& pre) {
  return write_in_bucket(bucket, [&](SqliteConnection& db, const Bucket& b) {
    return remove_tag(db, b.id, key, actor, now_ns, pre);
  });
}

StoreResult<std::vector<TagHistoryEntry>> SqliteMetadataStore::tag_history(std::string_view bucket,
                                                                           std::string_view key,
                                                                           int64_t before_seq,
                                                                           int limit) {
  return read_in_bucket(bucket, [&](SqliteConnection& db, const Bucket& b) {
    return read_tag_history(db, b.id, key, before_seq, limit);
  });
}

StoreResult<void> SqliteMetadataStore::set_content_sha256(std::string_view bucket,
                                                          std::string_view key, int64_t row_id,
                                                          const std::string& sha256_hex) {
  return write_in_bucket(bucket, [&](SqliteConnection& db, const Bucket& b) {
    return record_content_sha256(db, b.id, key, row_id, sha256_hex);
  });
}

}  // namespace moss::store
