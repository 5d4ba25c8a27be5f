// The moss command line: one binary, subcommands registered here.
#pragma once

#include <CLI/CLI.hpp>

namespace moss::cli {

// `moss serve`: the object storage server.
void register_serve_command(CLI::App& app);
// `moss migrate --from sqlite:DIR --to postgresql://...`: metadata to PostgreSQL.
void register_migrate_command(CLI::App& app);

// The client of a running server (docs/models.md, "CLI").
// `moss push MODEL FILE`: upload a model file under a dated key and tag it.
void register_push_command(CLI::App& app);
// `moss pull MODEL[:TAG] DEST`: download what a tag resolves to, verified.
void register_pull_command(CLI::App& app);
// `moss tag set|get|ls|history|rollback|rm`.
void register_tag_commands(CLI::App& app);
// `moss models ls|show`.
void register_models_commands(CLI::App& app);
// `moss audit [MODEL[:TAG]]`: the audit trail of model reads and tag changes.
void register_audit_command(CLI::App& app);
// `moss mirror hf://REPO[@REV]`: have the server fetch a Hub revision now (docs/hub-mirror.md).
void register_mirror_command(CLI::App& app);

}  // namespace moss::cli
