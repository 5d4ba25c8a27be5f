#include "moss/store/metadata_migration.h"

#include <fmt/format.h>

#include <cstring>

#include "moss/store/postgres_db.h"
#include "moss/store/sqlite_db.h"
#include "moss/store/sqlite_metadata_store.h"
#include "moss/util/digest.h"
#include "postgres_records.h"

namespace moss::store {
namespace {

struct Column {
  const char* name;
  bool integer;
};

struct Table {
  const char* name;
  std::vector<Column> columns;
  const char* conflict;  // the primary key, for ON CONFLICT DO NOTHING
  const char* identity;  // a generated id column whose sequence must follow, or null
};

// In the order foreign keys need; the columns both schemas have.
const std::vector<Table>& tables() {
  static const std::vector<Table> all = {
      {"buckets",
       {{"id", true},
        {"name", false},
        {"owner", false},
        {"created_ns", true},
        {"versioning", true},
        {"public_read", true}},
       "id",
       "id"},
      {"blobs", {{"sha256", false}, {"size", true}, {"refs", true}}, "sha256", nullptr},
      {"versions",
       {{"id", true},
        {"bucket_id", true},
        {"key", false},
        {"version_id", false},
        {"is_latest", true},
        {"is_delete_marker", true},
        {"size", true},
        {"etag", false},
        {"last_modified_ns", true},
        {"content_sha256", false},
        {"owner", false},
        {"segments", false},
        {"attributes", false},
        {"model_metadata", false},
        {"noncurrent_since_ns", true}},
       "id",
       "id"},
      {"uploads",
       {{"id", true},
        {"bucket_id", true},
        {"key", false},
        {"upload_id", false},
        {"owner", false},
        {"initiated_ns", true},
        {"last_activity_ns", true},
        {"checksum_algorithm", false},
        {"checksum_type", false},
        {"attributes", false}},
       "id",
       "id"},
      {"upload_parts",
       {{"upload", true},
        {"part_number", true},
        {"sha256", false},
        {"size", true},
        {"etag", false},
        {"checksum_algorithm", false},
        {"checksum", false},
        {"last_modified_ns", true}},
       "upload, part_number",
       nullptr},
      {"tags",
       {{"bucket_id", true},
        {"key", false},
        {"model", false},
        {"tag", false},
        {"targets", false},
        {"pinned", false},
        {"etag", false},
        {"updated_ns", true},
        {"updated_by", false},
        {"snapshots", false}},
       "bucket_id, key",
       nullptr},
      {"tag_history",
       {{"id", true},
        {"bucket_id", true},
        {"key", false},
        {"seq", true},
        {"time_ns", true},
        {"actor", false},
        {"action", false},
        {"old_targets", false},
        {"new_targets", false},
        {"old_etag", false},
        {"new_etag", false},
        {"resolved", false}},
       "id",
       "id"},
      {"bucket_lifecycle", {{"bucket_id", true}, {"rules", false}}, "bucket_id", nullptr},
      {"completed_uploads",
       {{"upload_id", false},
        {"bucket_id", true},
        {"key", false},
        {"version_row", true},
        {"completed_ns", true}},
       "upload_id",
       nullptr},
      {"snapshots",
       {{"bucket_id", true},
        {"model", false},
        {"id", false},
        {"file_count", true},
        {"total_size", true},
        {"created_ns", true},
        {"tag_refs", true}},
       "bucket_id, model, id",
       nullptr},
      {"snapshot_files",
       {{"bucket_id", true},
        {"model", false},
        {"snapshot_id", false},
        {"path", false},
        {"key", false},
        {"version_id", false},
        {"size", true},
        {"etag", false},
        {"last_modified_ns", true},
        {"content_sha256", false},
        {"owner", false},
        {"segments", false},
        {"attributes", false},
        {"model_metadata", false}},
       "bucket_id, model, snapshot_id, path",
       nullptr},
  };
  return all;
}

std::string column_list(const Table& t) {
  std::string out;
  for (const auto& c : t.columns) out += (out.empty() ? "" : ", ") + std::string(c.name);
  return out;
}

// Adds one row's hash into `sum` (mod 2^64): a sum does not depend on the row order,
// which differs between the two databases' collations.
void add_row_hash(const std::string& row, uint64_t& sum) {
  const std::string hash = sha256_hex(row);
  sum += std::stoull(hash.substr(0, 16), nullptr, 16);
}

std::string checksum_text(uint64_t sum) { return fmt::format("{:016x}", sum); }

template <class Statement>
std::string row_text(const Statement& st, size_t columns) {
  std::string row;
  for (size_t i = 0; i < columns; ++i) {
    row += st.column_text(static_cast<int>(i));
    row.push_back('\0');
  }
  return row;
}

// Copies one table's rows and fills in the source side of `out`.
StoreResult<void> copy_table(SqliteConnection& source, PgConnection& target, const Table& t,
                             TableCopy& out) {
  const std::string select = fmt::format("SELECT {} FROM {}", column_list(t), t.name);
  std::string placeholders;
  for (size_t i = 1; i <= t.columns.size(); ++i) {
    placeholders += fmt::format("{}?{}", i > 1 ? ", " : "", i);
  }
  const std::string insert = fmt::format("INSERT INTO {}({}) VALUES({}) ON CONFLICT({}) DO NOTHING",
                                         t.name, column_list(t), placeholders, t.conflict);
  // Statement caches key by the SQL's address: these strings outlive both.
  static std::vector<std::unique_ptr<std::string>> texts;
  texts.push_back(std::make_unique<std::string>(select));
  const char* select_sql = texts.back()->c_str();
  texts.push_back(std::make_unique<std::string>(insert));
  const char* insert_sql = texts.back()->c_str();

  auto rows = source.prepare(select_sql);
  if (!rows) return fail(rows.error());
  uint64_t sum = 0;
  while (true) {
    auto row = rows->step();
    if (!row) return fail(row.error());
    if (!*row) break;
    auto st = target.prepare(insert_sql);
    if (!st) return fail(st.error());
    for (size_t i = 0; i < t.columns.size(); ++i) {
      const int index = static_cast<int>(i);
      if (t.columns[i].integer) {
        st->bind(index + 1, rows->column_int(index));
      } else {
        st->bind(index + 1, rows->column_text(index));
      }
    }
    if (auto r = st->run(); !r) return fail(r.error());
    add_row_hash(row_text(*rows, t.columns.size()), sum);
    ++out.source_rows;
  }
  out.source_checksum = checksum_text(sum);
  if (t.identity) {
    // Rows inserted with their ids leave the sequence behind them.
    texts.push_back(std::make_unique<std::string>(fmt::format(
        "SELECT setval(pg_get_serial_sequence('{0}', '{1}'), COALESCE(MAX({1}), 0) + 1, false) "
        "FROM {0}",
        t.name, t.identity)));
    auto st = target.prepare(texts.back()->c_str());
    if (!st) return fail(st.error());
    if (auto r = st->run(); !r) return fail(r.error());
  }
  return {};
}

StoreResult<void> verify_table(PgConnection& target, const Table& t, TableCopy& out) {
  static std::vector<std::unique_ptr<std::string>> texts;
  texts.push_back(
      std::make_unique<std::string>(fmt::format("SELECT {} FROM {}", column_list(t), t.name)));
  auto rows = target.prepare(texts.back()->c_str());
  if (!rows) return fail(rows.error());
  uint64_t sum = 0;
  while (true) {
    auto row = rows->step();
    if (!row) return fail(row.error());
    if (!*row) break;
    add_row_hash(row_text(*rows, t.columns.size()), sum);
    ++out.target_rows;
  }
  out.target_checksum = checksum_text(sum);
  return {};
}

}  // namespace

StoreResult<std::vector<TableCopy>> copy_sqlite_metadata_to_postgres(const std::string& sqlite_path,
                                                                     const std::string& dsn) {
  // Read-only first: a path with no database fails here instead of making one.
  auto source = SqliteConnection::open(sqlite_path, /*read_only=*/true);
  if (!source) return fail(source.error());
  source->reset();
  // Opening the store brings an older database's schema up to this moss's
  // (what was added since: buckets.public_read, tags.snapshots, snapshots,
  // snapshot_files, completed_uploads), so every table copied below exists.
  {
    auto upgraded = SqliteMetadataStore::open(sqlite_path);
    if (!upgraded) return fail(upgraded.error());
  }
  source = SqliteConnection::open(sqlite_path, /*read_only=*/true);
  if (!source) return fail(source.error());
  auto target = PgConnection::open(dsn);
  if (!target) return fail(target.error());
  if (auto r = postgres_records::migrate_schema(**target); !r) return fail(r.error());

  std::vector<TableCopy> report;
  {
    SqliteReadTransaction snapshot(**source);
    auto txn = PgTransaction::begin(**target, "BEGIN");
    if (!txn) return fail(txn.error());
    for (const auto& t : tables()) {
      TableCopy copy;
      copy.table = t.name;
      if (auto r = copy_table(**source, **target, t, copy); !r) return fail(r.error());
      report.push_back(std::move(copy));
    }
    if (auto r = txn->commit(); !r) return fail(r.error());
  }
  for (size_t i = 0; i < tables().size(); ++i) {
    if (auto r = verify_table(**target, tables()[i], report[i]); !r) return fail(r.error());
  }
  return report;
}

}  // namespace moss::store
