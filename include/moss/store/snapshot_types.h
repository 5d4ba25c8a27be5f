// The records of snapshots (docs/models.md, "Directory tags"): a tag whose
// target names a directory pins every file under it as one snapshot, a list of
// (path, pinned version) with a content identity.
//
// A snapshot belongs to one model and is named by its identity, the model
// layer's digest of its sorted (path, SHA-256) list (models/snapshot.h), so two
// tags naming the same bytes share one. While at least one tag holds it
// (tag_refs > 0) the snapshot holds one blob reference per segment of each of
// its files, exactly as a version does, so overwriting or deleting a file
// changes nothing the snapshot serves. When the last tag lets go, the
// references are kept for a retention period (moss serve
// --snapshot-retention): a client that started a download by identity keeps
// being served, byte for byte, even if every file was overwritten or deleted
// meanwhile, and a tag moved back within it holds the same references again.
// After it, release_unheld_snapshots() drops them; the rows stay, so a
// rollback can pin the same versions again if they are still stored, and a
// reader asking by identity is served while some version still has the bytes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "moss/store/object_types.h"

namespace moss::store {

struct SnapshotRecord {
  std::string model;
  std::string id;  // 64 lowercase hex digits
  uint64_t file_count = 0;
  uint64_t total_size = 0;
  int64_t created_ns = 0;
  int64_t tag_refs = 0;  // tags holding it; its blobs are referenced while > 0
};

// What release_unheld_snapshots() did.
struct SnapshotReleases {
  size_t snapshots = 0;                     // whose references were dropped
  std::vector<std::string> released_blobs;  // blobs no longer referenced at all
};

// One file of a snapshot: its path under the directory the tag named, and
// the version pinned (key, version id, size, ETag, SHA-256, segments,
// attributes, model metadata, as they were when pinned).
struct SnapshotFile {
  std::string path;  // "config.json", "tokenizer/vocab.json"
  ObjectVersion version;
};

// A file a snapshot should pin: looked up inside the write transaction by
// exact version, so a version replaced since the caller looked is refused
// (kNoSuchKey), never pinned by mistake.
struct SnapshotFileRequest {
  std::string path;
  std::string key;
  std::string version_id;
};

// A snapshot a tag write takes a hold on. If the snapshot exists and is held
// by a tag or within its retention, `files` is ignored (the identity says they are the same bytes);
// otherwise the store pins `files` (kNoSuchKey when empty or one is gone).
struct SnapshotWrite {
  std::string id;
  std::vector<SnapshotFileRequest> files;
};

// Files of one snapshot in path order (byte order), paths in [lower, upper);
// an empty `upper` is unbounded.
struct SnapshotFileQuery {
  std::string lower;
  std::string upper;
  int limit = 1000;
};

}  // namespace moss::store
