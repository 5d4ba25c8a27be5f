// The entries of a Hub tree listing (GET /api/models/{repo}/tree/{rev}/{path}):
// the files and folders under a folder of a revision, its direct children or
// (recursive) everything below, in path order. Folders are implied by the
// files' paths, as in git.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "moss/hub/hub_protocol.h"

namespace moss::s3 {

struct TreeEntry {
  std::string path;
  const hub::HubFile* file = nullptr;  // null for a folder
};

enum class TreeLookup { kFound, kNotFound, kIsAFile };

struct TreeListing {
  TreeLookup lookup = TreeLookup::kFound;
  std::vector<TreeEntry> entries;  // path order (byte order)
};

// `files` in path order; `folder` "" for the root, without a trailing '/'.
TreeListing list_tree(const std::vector<hub::HubFile>& files, std::string_view folder,
                      bool recursive);

// The files under `folder` ("" all), for the folder's oid.
std::vector<hub::HubFile> files_under(const std::vector<hub::HubFile>& files,
                                      std::string_view folder);

// Whether `path` is a folder of `files` (some file lies under it).
bool is_folder(const std::vector<hub::HubFile>& files, std::string_view path);

}  // namespace moss::s3
