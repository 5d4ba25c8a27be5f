// A thin RAII layer over libpq, shaped like sqlite_db.h so the PostgreSQL
// metadata store reads like the SQLite one: a connection with a cache of
// prepared statements, and a statement with typed bind/column helpers.
//
// SQL is written with SQLite's ?N placeholders; prepare() rewrites them to
// PostgreSQL's $N. Text parameters are sent in binary form, so a BYTEA column
// (object keys: any bytes, compared as bytes, the order S3 lists in) takes the
// raw bytes, NULs and 0xFF included; results come back as text, BYTEA decoded.
// A statement's rows are fetched whole when it first steps, so two statements
// can be read interleaved on one connection. A connection is used by one
// thread at a time.
#pragma once

#include <libpq-fe.h>

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

class PgConnection;

// The SQLSTATE classes a caller acts on.
bool is_serialization_failure(std::string_view sqlstate);  // 40001, 40P01: retry the transaction

class PgStatement {
 public:
  PgStatement(PgConnection* conn, const std::string* name) : conn_(conn), name_(name) {}
  PgStatement(PgStatement&&) noexcept = default;
  PgStatement(const PgStatement&) = delete;
  PgStatement& operator=(const PgStatement&) = delete;

  PgStatement& bind(int index, int64_t value);
  PgStatement& bind(int index, std::string_view bytes);
  PgStatement& bind_null(int index);
  template <class... Values>
  PgStatement& bind_all(const Values&... values) {
    int index = 0;
    (bind(++index, values), ...);
    return *this;
  }

  // The next row -> true, no more rows -> false; the first call executes.
  StoreResult<bool> step();
  // Executes a statement without rows.
  StoreResult<void> run();
  template <class FromRow>
  StoreResult<std::vector<std::invoke_result_t<FromRow&, PgStatement&>>> collect(FromRow from_row) {
    std::vector<std::invoke_result_t<FromRow&, PgStatement&>> out;
    while (true) {
      auto row = step();
      if (!row) return fail(row.error());
      if (!*row) return out;
      out.push_back(from_row(*this));
    }
  }
  template <class FromRow>
  StoreResult<std::optional<std::invoke_result_t<FromRow&, PgStatement&>>> first_row(
      FromRow from_row) {
    using Row = std::invoke_result_t<FromRow&, PgStatement&>;
    auto row = step();
    if (!row) return fail(row.error());
    if (!*row) return std::optional<Row>();
    return std::optional<Row>(from_row(*this));
  }

  int64_t column_int(int index) const;
  std::string column_text(int index) const;
  bool column_is_null(int index) const;
  template <class... Fields>
  void read_columns(int first, Fields&... fields) const {
    int index = first;
    (read_column(index++, fields), ...);
  }
  // Rows an INSERT, UPDATE or DELETE touched.
  int64_t changes() const;
  // Forgets the rows and the parameters, ready to bind and run again.
  void reset();

 private:
  struct ResultDeleter {
    void operator()(PGresult* r) const { PQclear(r); }
  };
  StoreResult<void> execute();
  void read_column(int index, std::string& out) const { out = column_text(index); }
  void read_column(int index, bool& out) const { out = column_int(index) != 0; }
  template <class Integer>
  requires std::is_integral_v<Integer>
  void read_column(int index, Integer& out) const { out = static_cast<Integer>(column_int(index)); }

  PgConnection* conn_;
  const std::string* name_;
  std::vector<std::optional<std::string>> values_;
  std::vector<int> formats_;
  std::unique_ptr<PGresult, ResultDeleter> result_;
  int row_ = -1;
};

class PgConnection {
 public:
  // Connects with a libpq connection string or URI (postgresql://...).
  static StoreResult<std::unique_ptr<PgConnection>> open(const std::string& dsn);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // A statement prepared once per connection for `sql` (a string literal or
  // otherwise outliving the connection: the cache is keyed by its address).
  StoreResult<PgStatement> prepare(const char* sql);
  // Runs `sql` (possibly several statements) without parameters or rows.
  StoreResult<void> exec(const char* sql);
  // The SQLSTATE of the last failed command ("" after a success).
  const std::string& last_sqlstate() const { return last_sqlstate_; }
  // The connection is gone (server restarted, network cut): drop it.
  bool broken() const;

  // A failure of the last command on this connection, as a StoreError. A lost
  // connection is kUnavailable; anything else kIo.
  Unexpected<StoreError> failure(std::string_view what, const PGresult* result);

 private:
  friend class PgStatement;
  friend class PgTransaction;
  explicit PgConnection(PGconn* conn) : conn_(conn) {}
  PGconn* conn_;
  std::unordered_map<const char*, std::unique_ptr<std::string>> prepared_;
  std::string last_sqlstate_;
};

// BEGIN ... COMMIT; rolled back when it ends uncommitted.
class PgTransaction {
 public:
  static StoreResult<PgTransaction> begin(PgConnection& db, const char* begin_sql);
  // The transaction the caller already began on `db` (with BEGIN ...).
  static PgTransaction begun(PgConnection& db) { return PgTransaction(db); }
  PgTransaction(PgTransaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  ~PgTransaction();
  StoreResult<void> commit();

 private:
  explicit PgTransaction(PgConnection& db) : db_(&db) {}
  PgConnection* db_;
};

}  // namespace moss::store
