// The moss command line: one binary, subcommands registered here.
#pragma once

#include <CLI/CLI.hpp>

namespace moss::cli {

// `moss serve`: the object storage server.
void register_serve_command(CLI::App& app);

}  // namespace moss::cli
