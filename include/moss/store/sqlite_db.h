// A thin RAII layer over the SQLite C API: a connection with a cache of
// prepared statements, and a statement with typed bind/column helpers.
// A connection is used by one thread at a time.
#pragma once

#include <sqlite3.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "moss/store/store_error.h"

namespace moss::store {

class SqliteStatement {
 public:
  explicit SqliteStatement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  SqliteStatement(SqliteStatement&& other) noexcept : stmt_(other.stmt_) { other.stmt_ = nullptr; }
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;
  // Statements are owned by the connection's cache; this only resets them.
  ~SqliteStatement() { reset(); }

  SqliteStatement& bind(int index, int64_t value);
  SqliteStatement& bind(int index, std::string_view text);  // copied (SQLITE_TRANSIENT)
  SqliteStatement& bind_null(int index);
  // Binds `values` to ?1, ?2, ... in order.
  template <class... Values>
  SqliteStatement& bind_all(const Values&... values) {
    int index = 0;
    (bind(++index, values), ...);
    return *this;
  }

  // SQLITE_ROW -> true, SQLITE_DONE -> false, anything else -> error.
  StoreResult<bool> step();
  // step() until done, for statements without rows.
  StoreResult<void> run();
  // step() until done, making each row a value with `from_row(*this)`.
  template <class FromRow>
  StoreResult<std::vector<std::invoke_result_t<FromRow&, SqliteStatement&>>> collect(
      FromRow from_row) {
    std::vector<std::invoke_result_t<FromRow&, SqliteStatement&>> out;
    while (true) {
      auto row = step();
      if (!row) return fail(row.error());
      if (!*row) return out;
      out.push_back(from_row(*this));
    }
  }

  // step() once: the row made a value with `from_row(*this)`, or nullopt when
  // there is none.
  template <class FromRow>
  StoreResult<std::optional<std::invoke_result_t<FromRow&, SqliteStatement&>>> first_row(
      FromRow from_row) {
    using Row = std::invoke_result_t<FromRow&, SqliteStatement&>;
    auto row = step();
    if (!row) return fail(row.error());
    if (!*row) return std::optional<Row>();
    return std::optional<Row>(from_row(*this));
  }

  int64_t column_int(int index) const;
  std::string column_text(int index) const;
  bool column_is_null(int index) const;
  // Rows the last INSERT, UPDATE or DELETE run on the statement's connection
  // (this one, right after it ran) touched.
  int64_t changes() const;
  // Reads columns `first`, `first` + 1, ... into `fields`, each as its type
  // says: integers (bool as 0/1) or text.
  template <class... Fields>
  void read_columns(int first, Fields&... fields) const {
    int index = first;
    (read_column(index++, fields), ...);
  }
  void reset();

 private:
  void read_column(int index, std::string& out) const { out = column_text(index); }
  void read_column(int index, bool& out) const { out = column_int(index) != 0; }
  template <class Integer>
  requires std::is_integral_v<Integer>
  void read_column(int index, Integer& out) const { out = static_cast<Integer>(column_int(index)); }

  sqlite3_stmt* stmt_;
};

class SqliteConnection {
 public:
  // Opens (creating if needed) in WAL mode with synchronous=FULL, so a
  // committed transaction survives power loss.
  static StoreResult<std::unique_ptr<SqliteConnection>> open(const std::string& path,
                                                             bool read_only);
  ~SqliteConnection();
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  // A cached prepared statement for `sql` (which must be a string literal or
  // otherwise outlive the connection: the cache is keyed by its address).
  StoreResult<SqliteStatement> prepare(const char* sql);
  StoreResult<void> exec(const char* sql);  // no rows, not cached
  std::string last_error() const;

  // Every transaction committed through this connection increments `counter`
  // (after the commit), so readers can tell that something may have changed.
  void count_commits_in(std::atomic<uint64_t>* counter) { commits_ = counter; }

 private:
  friend class SqliteTransaction;
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  std::unordered_map<const char*, sqlite3_stmt*> cache_;
  std::atomic<uint64_t>* commits_ = nullptr;
};

// BEGIN ... COMMIT around several reads: they see one snapshot and take the
// WAL read lock once instead of once per statement.
// Both statements come from the connection's cache: on the GET path they run
// for every request.
class SqliteReadTransaction {
 public:
  explicit SqliteReadTransaction(SqliteConnection& db) : db_(db), open_(run("BEGIN")) {}
  ~SqliteReadTransaction() {
    if (open_) run("COMMIT");
  }
  SqliteReadTransaction(const SqliteReadTransaction&) = delete;
  SqliteReadTransaction& operator=(const SqliteReadTransaction&) = delete;

 private:
  bool run(const char* sql) {
    auto st = db_.prepare(sql);
    return st.ok() && st->run().ok();
  }
  SqliteConnection& db_;
  bool open_;
};

// BEGIN IMMEDIATE ... COMMIT, rolled back if not committed.
class SqliteTransaction {
 public:
  static StoreResult<SqliteTransaction> begin(SqliteConnection& db);
  SqliteTransaction(SqliteTransaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  ~SqliteTransaction();
  StoreResult<void> commit();

 private:
  explicit SqliteTransaction(SqliteConnection& db) : db_(&db) {}
  SqliteConnection* db_;
};

}  // namespace moss::store
