// moss: model object storage. `moss serve` runs the server; the other
// subcommands are clients of a running server.
#include <csignal>

#include <CLI/CLI.hpp>

#include "moss/cli/commands.h"
#include "moss/version.h"

int main(int argc, char** argv) {
  // A peer that closes its socket must cost one failed write, not the process:
  // sendfile(2) has no MSG_NOSIGNAL, so SIGPIPE is ignored for good.
  std::signal(SIGPIPE, SIG_IGN);
  CLI::App app{"moss: model object storage with an S3 API"};
  app.set_version_flag("--version", std::string(moss::kVersion));
  app.require_subcommand(1);
  moss::cli::register_serve_command(app);
  moss::cli::register_push_command(app);
  moss::cli::register_pull_command(app);
  moss::cli::register_tag_commands(app);
  moss::cli::register_models_commands(app);
  moss::cli::register_audit_command(app);
  moss::cli::register_mirror_command(app);
  moss::cli::register_migrate_command(app);
  CLI11_PARSE(app, argc, argv);
  return 0;
}
