// The metadata backends the store's contract tests run against: one suite,
// instantiated for the embedded SQLite store and for PostgreSQL.
//
// PostgreSQL is the test cluster named by MOSS_TEST_POSTGRES_DSN (scripts/dev
// test starts one with tests/tools/pg-cluster), or, when that is not set, a
// cluster this process starts with the same script and removes at exit. Each
// test gets a schema of its own in it. When no server can be started the
// tests fail, naming what to install: a missing database is never a pass.
#pragma once

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "moss/store/postgres_metadata_store.h"
#include "moss/store/sqlite_metadata_store.h"
#include "moss/util/random_id.h"

namespace moss::testing {

enum class MetadataBackend { kSqlite, kPostgres };

inline std::string metadata_backend_name(const ::testing::TestParamInfo<MetadataBackend>& info) {
  return info.param == MetadataBackend::kSqlite ? "Sqlite" : "Postgres";
}

// A PostgreSQL cluster started by this test process, destroyed at exit.
class OwnPostgresCluster {
 public:
  static const std::string& dsn() {
    static OwnPostgresCluster cluster;
    return cluster.dsn_;
  }
  ~OwnPostgresCluster() {
    if (!dir_.empty()) run(std::string(MOSS_TOOLS_DIR) + "/pg-cluster destroy " + dir_);
  }

 private:
  OwnPostgresCluster() {
    char pattern[] = "/tmp/moss-pg-XXXXXX";
    if (!mkdtemp(pattern)) return;
    dir_ = pattern;
    ::rmdir(pattern);  // pg-cluster creates it, owned by the server's user
    dsn_ = run(std::string(MOSS_TOOLS_DIR) + "/pg-cluster init " + dir_);
  }
  static std::string run(const std::string& command) {
    std::string out;
    FILE* p = ::popen(command.c_str(), "r");
    if (!p) return out;
    char buf[512];
    while (size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
    if (::pclose(p) != 0) return {};
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
    return out;
  }
  std::string dir_;
  std::string dsn_;
};

// The test cluster's DSN, or "" when there is none (the caller fails).
inline std::string postgres_test_server_dsn() {
  const char* env = std::getenv("MOSS_TEST_POSTGRES_DSN");
  if (env && *env) return env;
  return OwnPostgresCluster::dsn();
}

inline const char* kNoPostgresMessage =
    "no PostgreSQL for the tests: set MOSS_TEST_POSTGRES_DSN, or install the server "
    "(apt-get install postgresql-15; scripts/install-deps --test does) so "
    "tests/tools/pg-cluster can start one";

// A schema of its own in the test cluster, dropped afterwards; dsn() points
// a store at it.
class PostgresTestSchema {
 public:
  PostgresTestSchema() {
    server_ = postgres_test_server_dsn();
    if (server_.empty()) return;
    name_ = "moss_test_" + random_hex(8);
    if (!exec("CREATE SCHEMA " + name_)) name_.clear();
  }
  ~PostgresTestSchema() {
    if (!name_.empty()) exec("DROP SCHEMA " + name_ + " CASCADE");
  }
  PostgresTestSchema(const PostgresTestSchema&) = delete;
  PostgresTestSchema& operator=(const PostgresTestSchema&) = delete;

  bool ok() const { return !name_.empty(); }
  std::string dsn() const {
    return server_ + (server_.find('?') == std::string::npos ? "?" : "&") +
           "options=-csearch_path%3D" + name_;
  }
  // Runs `sql` in the test's schema; false on any error.
  bool exec(const std::string& sql) const {
    PGconn* conn = PQconnectdb((name_.empty() ? server_ : dsn()).c_str());
    bool ok = PQstatus(conn) == CONNECTION_OK;
    PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);  // "drop cascades to ..."
    if (ok) {
      PGresult* r = PQexec(conn, sql.c_str());
      ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
      PQclear(r);
    }
    PQfinish(conn);
    return ok;
  }

 private:
  std::string server_;
  std::string name_;
};

// Where a test's metadata lives: a file in `dir`, or a fresh schema.
class TestMetadataLocation {
 public:
  explicit TestMetadataLocation(MetadataBackend backend) : backend_(backend) {
    if (backend == MetadataBackend::kPostgres) schema_ = std::make_unique<PostgresTestSchema>();
  }
  // ObjectStore::open's metadata argument: "sqlite" or the schema's DSN.
  std::string location() const {
    return backend_ == MetadataBackend::kSqlite ? std::string("sqlite") : schema_->dsn();
  }
  // Fails the test when PostgreSQL is wanted and not there.
  ::testing::AssertionResult available() const {
    if (backend_ == MetadataBackend::kSqlite || schema_->ok()) {
      return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure() << kNoPostgresMessage;
  }
  store::StoreResult<std::unique_ptr<store::MetadataStore>> open(const std::string& dir) const {
    if (backend_ == MetadataBackend::kSqlite) {
      auto s = store::SqliteMetadataStore::open(dir + "/moss.db");
      if (!s) return fail(s.error());
      return std::unique_ptr<store::MetadataStore>(std::move(*s));
    }
    auto s = store::PostgresMetadataStore::open(schema_->dsn());
    if (!s) return fail(s.error());
    return std::unique_ptr<store::MetadataStore>(std::move(*s));
  }
  const PostgresTestSchema* schema() const { return schema_.get(); }

 private:
  MetadataBackend backend_;
  std::unique_ptr<PostgresTestSchema> schema_;
};

}  // namespace moss::testing

// Runs a TEST_P suite once per metadata backend.
#define MOSS_INSTANTIATE_FOR_EACH_METADATA_BACKEND(Suite)                              \
  INSTANTIATE_TEST_SUITE_P(Backends, Suite,                                            \
                           ::testing::Values(::moss::testing::MetadataBackend::kSqlite, \
                                             ::moss::testing::MetadataBackend::kPostgres), \
                           ::moss::testing::metadata_backend_name)
