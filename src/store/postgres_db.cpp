#include "moss/store/postgres_db.h"

#include <cctype>
#include <cstdlib>

namespace moss::store {
namespace {

// SQLite's ?N placeholders as PostgreSQL's $N, outside quoted text.
std::string dollar_placeholders(const char* sql) {
  std::string out;
  bool quoted = false;
  for (const char* p = sql; *p; ++p) {
    if (*p == '\'') quoted = !quoted;
    if (!quoted && *p == '?' && std::isdigit(static_cast<unsigned char>(p[1]))) {
      out.push_back('$');
    } else {
      out.push_back(*p);
    }
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

constexpr Oid kByteaOid = 17;

}  // namespace

bool is_serialization_failure(std::string_view sqlstate) {
  return sqlstate == "40001" || sqlstate == "40P01";
}

PgStatement& PgStatement::bind(int index, int64_t value) {
  if (values_.size() < static_cast<size_t>(index)) {
    values_.resize(index);
    formats_.resize(index, 0);
  }
  values_[index - 1] = std::to_string(value);
  formats_[index - 1] = 0;  // text: "42" reads as whatever integer type the column is
  return *this;
}

PgStatement& PgStatement::bind(int index, std::string_view bytes) {
  if (values_.size() < static_cast<size_t>(index)) {
    values_.resize(index);
    formats_.resize(index, 0);
  }
  values_[index - 1] = std::string(bytes);
  formats_[index - 1] = 1;  // binary: the bytes as they are, for TEXT and BYTEA alike
  return *this;
}

PgStatement& PgStatement::bind_null(int index) {
  if (values_.size() < static_cast<size_t>(index)) {
    values_.resize(index);
    formats_.resize(index, 0);
  }
  values_[index - 1].reset();
  return *this;
}

StoreResult<void> PgStatement::execute() {
  std::vector<const char*> values(values_.size());
  std::vector<int> lengths(values_.size());
  for (size_t i = 0; i < values_.size(); ++i) {
    values[i] = values_[i] ? values_[i]->data() : nullptr;
    lengths[i] = values_[i] ? static_cast<int>(values_[i]->size()) : 0;
  }
  result_.reset(PQexecPrepared(conn_->conn_, name_->c_str(), static_cast<int>(values.size()),
                               values.data(), lengths.data(), formats_.data(), 0));
  row_ = -1;
  const auto status = result_ ? PQresultStatus(result_.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    auto error = conn_->failure("postgres", result_.get());
    result_.reset();
    return error;
  }
  conn_->last_sqlstate_.clear();
  return {};
}

StoreResult<bool> PgStatement::step() {
  if (!result_) {
    if (auto r = execute(); !r) return fail(r.error());
  }
  ++row_;
  return row_ < PQntuples(result_.get());
}

StoreResult<void> PgStatement::run() {
  if (!result_) return execute();
  return {};
}

int64_t PgStatement::column_int(int index) const {
  return std::strtoll(PQgetvalue(result_.get(), row_, index), nullptr, 10);
}

std::string PgStatement::column_text(int index) const {
  const char* p = PQgetvalue(result_.get(), row_, index);
  const size_t n = static_cast<size_t>(PQgetlength(result_.get(), row_, index));
  if (PQftype(result_.get(), index) != kByteaOid) return std::string(p, n);
  // BYTEA in text form is "\x" and two hex digits a byte.
  std::string out;
  if (n < 2) return out;
  out.reserve((n - 2) / 2);
  for (size_t i = 2; i + 1 < n; i += 2) {
    out.push_back(static_cast<char>(hex_value(p[i]) << 4 | hex_value(p[i + 1])));
  }
  return out;
}

bool PgStatement::column_is_null(int index) const {
  return PQgetisnull(result_.get(), row_, index) != 0;
}

int64_t PgStatement::changes() const {
  if (!result_) return 0;
  return std::strtoll(PQcmdTuples(result_.get()), nullptr, 10);
}

void PgStatement::reset() {
  result_.reset();
  values_.clear();
  formats_.clear();
  row_ = -1;
}

StoreResult<std::unique_ptr<PgConnection>> PgConnection::open(const std::string& dsn) {
  PGconn* conn = PQconnectdb(dsn.c_str());
  if (!conn || PQstatus(conn) != CONNECTION_OK) {
    std::string msg = conn ? PQerrorMessage(conn) : "out of memory";
    while (!msg.empty() && std::isspace(static_cast<unsigned char>(msg.back()))) msg.pop_back();
    PQfinish(conn);
    return store_fail(StoreErrc::kUnavailable, "connect to PostgreSQL: " + msg);
  }
  std::unique_ptr<PgConnection> out(new PgConnection(conn));
  // Notices (e.g. "relation already exists, skipping") are not worth a log line.
  PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);
  return out;
}

PgConnection::~PgConnection() { PQfinish(conn_); }

bool PgConnection::broken() const { return PQstatus(conn_) != CONNECTION_OK; }

Unexpected<StoreError> PgConnection::failure(std::string_view what, const PGresult* result) {
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  last_sqlstate_ = state ? state : "";
  std::string msg = result ? PQresultErrorMessage(result) : "";
  if (msg.empty()) msg = PQerrorMessage(conn_);
  while (!msg.empty() && std::isspace(static_cast<unsigned char>(msg.back()))) msg.pop_back();
  // Class 08 (connection exception) and 57P0x (the server shutting down or
  // restarting) mean "not now", as does a connection that is gone.
  const bool unavailable = broken() || last_sqlstate_.rfind("08", 0) == 0 ||
                           last_sqlstate_.rfind("57P0", 0) == 0;
  // 53100 is disk_full: the database server's disk, the same answer for the client.
  const bool full = last_sqlstate_ == "53100";
  return store_fail(unavailable ? StoreErrc::kUnavailable
                    : full      ? StoreErrc::kNoSpace
                                : StoreErrc::kIo,
                    std::string(what) + ": " + msg);
}

StoreResult<PgStatement> PgConnection::prepare(const char* sql) {
  auto it = prepared_.find(sql);
  if (it != prepared_.end()) return PgStatement(this, it->second.get());
  auto name = std::make_unique<std::string>("s" + std::to_string(prepared_.size()));
  const std::string text = dollar_placeholders(sql);
  std::unique_ptr<PGresult, void (*)(PGresult*)> r(
      PQprepare(conn_, name->c_str(), text.c_str(), 0, nullptr), PQclear);
  if (!r || PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
    return failure(std::string("prepare ") + sql, r.get());
  }
  const std::string* stable = name.get();
  prepared_.emplace(sql, std::move(name));
  return PgStatement(this, stable);
}

StoreResult<void> PgConnection::exec(const char* sql) {
  std::unique_ptr<PGresult, void (*)(PGresult*)> r(PQexec(conn_, sql), PQclear);
  const auto status = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) return failure("postgres", r.get());
  last_sqlstate_.clear();
  return {};
}

StoreResult<PgTransaction> PgTransaction::begin(PgConnection& db, const char* begin_sql) {
  if (auto r = db.exec(begin_sql); !r) return fail(r.error());
  return PgTransaction(db);
}

PgTransaction::~PgTransaction() {
  if (db_ && !db_->broken()) {
    const std::string state = db_->last_sqlstate();  // the failure the caller looks at
    (void)db_->exec("ROLLBACK");
    db_->last_sqlstate_ = state;
  }
}

StoreResult<void> PgTransaction::commit() {
  auto r = db_->exec("COMMIT");
  db_ = nullptr;  // committed, or failed and rolled back by the server
  return r;
}

}  // namespace moss::store
