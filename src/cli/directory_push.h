// `moss push MODEL DIR/`: a model directory (config.json, tokenizer files,
// safetensors shards, ...) uploaded file by file under MODEL/<date>/, several
// files at once behind one progress display, and only then tagged: the tags
// name the directory ("<date>/"), so each pins a snapshot of every file, and a
// tag never names a half-uploaded model.
#pragma once

#include <string>
#include <vector>

#include "moss/cli/client_setup.h"
#include "moss/client/file_upload.h"

namespace moss::cli {

struct DirectoryPush {
  std::string model;
  std::string directory;  // the local directory
  std::string date;       // YYYY-MM-DD: the files go under MODEL/<date>/
  std::vector<std::string> tags;
  client::UploadOptions upload;
  int files_at_once = 4;
  bool progress = true;
};

// Uploads, tags and checks that each tag's snapshot holds every file with the
// SHA-256 computed here; ends the command with a message on failure.
void push_directory(const ResolvedClient& client, const DirectoryPush& push,
                    const std::string& command);

// The regular files under `directory` (symbolic links followed), as paths
// relative to it with '/' separators, in byte order.
std::vector<std::string> files_under(const std::string& directory);

}  // namespace moss::cli
