// `moss pull MODEL:TAG DEST/` of a tag that names a directory: every file of
// its snapshot into DEST/<path>, several at once behind one progress display.
// Each file goes through the single-file download (client/file_download.h):
// it lands as DEST/<path>.part, resumes from there, is verified against its
// SHA-256 and only then renamed; a file already there with those bytes is
// left alone. So an interrupted pull resumes, and nothing half-written ever
// carries a final name.
//
// The tag is resolved once, at the start: every file is then read at
// "<model>/snapshots/<identity>/<path>", so the pull yields exactly one
// snapshot even if the tag moves meanwhile. DEST/.moss-pull-snapshot holds
// that identity until the pull completes; a pull resumed after the tag moved
// says so and pulls the snapshot the tag names now (files with the same
// bytes are kept, partial ones of changed files start over).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "moss/cli/client_setup.h"
#include "moss/client/file_download.h"

namespace moss::cli {

struct SnapshotPull {
  std::string model;
  std::string tag;
  std::string dest;  // a directory, created if missing
  int files_at_once = 4;
  bool progress = true;
  // Per file: its ranged GETs share the connections among the files at once.
  client::DownloadTuning tuning;
};

// `tag_doc` is the tag's document (registry API), whose resolved.snapshot
// lists the files. Ends the command with a message on failure.
void pull_snapshot(const ResolvedClient& client, const SnapshotPull& pull,
                   const nlohmann::json& tag_doc, const std::string& command);

// Whether a snapshot path may be written under a directory: relative, no
// empty, "." or ".." segment.
bool is_safe_relative_path(const std::string& path);

}  // namespace moss::cli
