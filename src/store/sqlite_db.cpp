#include "moss/store/sqlite_db.h"

namespace moss::store {
namespace {

// A full database (or the disk under it) is kNoSpace; any other failure kIo.
StoreErrc store_errc(int sqlite_result) {
  return (sqlite_result & 0xff) == SQLITE_FULL ? StoreErrc::kNoSpace : StoreErrc::kIo;
}

Unexpected<StoreError> sqlite_fail(sqlite3* db, std::string_view what) {
  return store_fail(store_errc(sqlite3_extended_errcode(db)),
                    std::string(what) + ": " + sqlite3_errmsg(db));
}

}  // namespace

SqliteStatement& SqliteStatement::bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

SqliteStatement& SqliteStatement::bind(int index, std::string_view text) {
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}

SqliteStatement& SqliteStatement::bind_null(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

StoreResult<bool> SqliteStatement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return sqlite_fail(sqlite3_db_handle(stmt_), "sqlite step");
}

StoreResult<void> SqliteStatement::run() {
  while (true) {
    auto r = step();
    if (!r) return fail(r.error());
    if (!*r) return {};
  }
}

int64_t SqliteStatement::column_int(int index) const { return sqlite3_column_int64(stmt_, index); }

std::string SqliteStatement::column_text(int index) const {
  const auto* p = sqlite3_column_text(stmt_, index);
  int n = sqlite3_column_bytes(stmt_, index);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(n)) : std::string();
}

bool SqliteStatement::column_is_null(int index) const {
  return sqlite3_column_type(stmt_, index) == SQLITE_NULL;
}

void SqliteStatement::reset() {
  if (!stmt_) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

StoreResult<std::unique_ptr<SqliteConnection>> SqliteConnection::open(const std::string& path,
                                                                      bool read_only) {
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_NOMUTEX | (read_only ? SQLITE_OPEN_READONLY
                                               : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return store_fail(StoreErrc::kIo, "open " + path + ": " + msg);
  }
  std::unique_ptr<SqliteConnection> conn(new SqliteConnection(db));
  sqlite3_busy_timeout(db, 10000);
  const char* pragmas = read_only ? "PRAGMA query_only=ON;"
                                  : "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                                    "PRAGMA foreign_keys=ON;";
  if (auto r = conn->exec(pragmas); !r) return fail(r.error());
  return conn;
}

SqliteConnection::~SqliteConnection() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

StoreResult<SqliteStatement> SqliteConnection::prepare(const char* sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) return SqliteStatement(it->second);
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK) {
    return sqlite_fail(db_, std::string("prepare ") + sql);
  }
  cache_.emplace(sql, stmt);
  return SqliteStatement(stmt);
}

StoreResult<void> SqliteConnection::exec(const char* sql) {
  char* err = nullptr;
  if (int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err); rc != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    return store_fail(store_errc(rc), msg);
  }
  return {};
}

int64_t SqliteStatement::changes() const { return sqlite3_changes64(sqlite3_db_handle(stmt_)); }

std::string SqliteConnection::last_error() const { return sqlite3_errmsg(db_); }

StoreResult<SqliteTransaction> SqliteTransaction::begin(SqliteConnection& db) {
  if (auto r = db.exec("BEGIN IMMEDIATE"); !r) return fail(r.error());
  return SqliteTransaction(db);
}

SqliteTransaction::~SqliteTransaction() {
  if (db_) (void)db_->exec("ROLLBACK");
}

StoreResult<void> SqliteTransaction::commit() {
  auto r = db_->exec("COMMIT");
  if (r) {
    if (db_->commits_) db_->commits_->fetch_add(1, std::memory_order_release);
    db_ = nullptr;
  }
  return r;
}

}  // namespace moss::store
