// Snapshots, the model layer's side (docs/models.md, "Directory tags"): the
// identity of a snapshot, and the keys that read one as a folder.
//
// Identity: the SHA-256 (lowercase hex) of the snapshot's files sorted by path
// in byte order, each contributing "<path>\0<sha256 hex>\n". It depends on
// nothing but paths and bytes, so two tags naming the same bytes under the
// same relative paths have the same identity, wherever the directories are.
// Its first 40 hex digits are the short form (the commit id a Hugging Face
// style API shows); both forms name the snapshot in keys.
//
// Folder keys: a snapshot tag's files are read at "<model>/tags/<tag>/<path>",
// and any snapshot of a model at "<model>/snapshots/<identity>/<path>" (which
// keeps serving the snapshot a client started with when the tag moves).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace moss::models {

inline constexpr size_t kSnapshotIdHexDigits = 64;
inline constexpr size_t kSnapshotShortIdHexDigits = 40;
// A directory target naming more files than this is refused.
inline constexpr size_t kMaxSnapshotFiles = 100000;

struct SnapshotEntry {
  std::string path;
  std::string sha256;  // lowercase hex
};

// The identity of `entries`, in any order (they are sorted here).
std::string snapshot_identity(std::vector<SnapshotEntry> entries);
// The 40-digit short form.
std::string snapshot_short_id(std::string_view identity);
// Whether `text` is a full or short identity as written in a key.
bool is_snapshot_id(std::string_view text);

// How a key or listing prefix under a snapshot folder reads.
struct SnapshotAddress {
  std::string model;
  std::string tag;          // set when read through a tag ("<model>/tags/<tag>/...")
  std::string snapshot_id;  // set when read by identity ("<model>/snapshots/<id>/...")
  std::string folder;       // "<model>/tags/<tag>/": what the paths are relative to
  std::string path;         // the rest: a file's path, or a listing's relative prefix
};

// Every way `key` can be read as "<folder><path>", leftmost folder first (a
// model path may itself hold a "tags" segment). A key that is a tag key itself
// has none; `path` may be empty only when `allow_empty_path` (a listing prefix
// that is the folder itself).
std::vector<SnapshotAddress> snapshot_addresses(std::string_view key, bool allow_empty_path);

// "<model>/tags/<tag>/" and "<model>/snapshots/<id>/".
std::string tag_folder(std::string_view model, std::string_view tag);
std::string snapshot_folder(std::string_view model, std::string_view id);

}  // namespace moss::models
