// `moss migrate --from sqlite:DIR --to postgresql://...`: copies a
// single-node store's metadata into PostgreSQL for several replicas
// (docs/replicas.md), then verifies both sides table by table.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "moss/cli/commands.h"
#include "moss/store/metadata_migration.h"
#include "moss/util/fs.h"

namespace moss::cli {
namespace {

struct MigrateOptions {
  std::string from;
  std::string to;
  std::string password_file;
};

int migrate(const MigrateOptions& options) {
  constexpr std::string_view kSqlite = "sqlite:";
  if (options.from.rfind(kSqlite, 0) != 0) {
    std::fprintf(stderr, "moss migrate: --from must be sqlite:DATA_DIR\n");
    return 2;
  }
  if (options.to.rfind("postgresql://", 0) != 0 && options.to.rfind("postgres://", 0) != 0) {
    std::fprintf(stderr, "moss migrate: --to must be a postgresql:// URI\n");
    return 2;
  }
  if (!options.password_file.empty()) {
    std::string password;
    if (auto ec = read_file(options.password_file, password)) {
      std::fprintf(stderr, "moss migrate: %s: %s\n", options.password_file.c_str(),
                   ec.message().c_str());
      return 2;
    }
    while (!password.empty() && (password.back() == '\n' || password.back() == '\r')) {
      password.pop_back();
    }
    ::setenv("PGPASSWORD", password.c_str(), 1);
  }
  const std::string database = options.from.substr(kSqlite.size()) + "/moss.db";
  auto report = store::copy_sqlite_metadata_to_postgres(database, options.to);
  if (!report) {
    std::fprintf(stderr, "moss migrate: %s\n", report.error().message.c_str());
    return 1;
  }
  bool all_match = true;
  std::printf("%-18s %10s %10s  %s\n", "table", "source", "target", "checksum");
  for (const auto& t : *report) {
    all_match = all_match && t.matches();
    std::printf("%-18s %10lld %10lld  %s\n", t.table.c_str(),
                static_cast<long long>(t.source_rows), static_cast<long long>(t.target_rows),
                t.matches() ? "match" : ("MISMATCH " + t.source_checksum + " != " +
                                         t.target_checksum).c_str());
  }
  if (!all_match) {
    std::fprintf(stderr,
                 "moss migrate: the target differs from the source (was it written since an "
                 "earlier run?)\n");
    return 1;
  }
  std::printf("metadata copied and verified; blobs stay in %s\n",
              options.from.substr(kSqlite.size()).c_str());
  return 0;
}

}  // namespace

void register_migrate_command(CLI::App& app) {
  auto options = std::make_shared<MigrateOptions>();
  auto* cmd = app.add_subcommand(
      "migrate",
      "Copy a single-node store's metadata into PostgreSQL (blobs stay where they are) and "
      "verify it; safe to run again");
  cmd->add_option("--from", options->from, "sqlite:DATA_DIR, the stopped server's data directory")
      ->required();
  cmd->add_option("--to", options->to, "postgresql://USER@HOST[:PORT]/DB")
      ->envname("MOSS_METADATA")
      ->required();
  cmd->add_option("--metadata-password-file", options->password_file,
                  "File holding the PostgreSQL password (else PGPASSWORD or ~/.pgpass)")
      ->envname("MOSS_METADATA_PASSWORD_FILE");
  cmd->callback([options] {
    int code = migrate(*options);
    if (code != 0) throw CLI::RuntimeError(code);
  });
}

}  // namespace moss::cli
