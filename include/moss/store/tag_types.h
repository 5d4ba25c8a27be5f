// The records of model tags (docs/models.md): a tag is a small named pointer
// whose targets the model layer interprets; the store keeps it durable, keeps
// the file versions it pins alive, and records every change in the tag's
// history. A tag's key, model and tag name are the model layer's
// (models/tag_key.h builds the key); the store never builds or parses one, it
// stores them, lists a model's tags by its name, and lists tag keys among
// object keys.
//
// Pinning: a tag that names a file holds one reference per segment to the
// blobs of the version it named when it was set, exactly as a version does,
// and a copy of what GET needs (size, ETag, SHA-256, attributes). So the bytes
// stay, through overwrites, deletes and restarts, until the tag moves. A tag
// that names a directory holds a snapshot (snapshot_types.h), which pins each
// of its files the same way.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "moss/store/object_types.h"
#include "moss/store/snapshot_types.h"

namespace moss::store {

struct TagRecord {
  std::string key;    // "meta-llama/llama-3-8b/tags/latest", as the model layer built it
  std::string model;  // "meta-llama/llama-3-8b"
  std::string tag;    // "latest"
  // The targets as the model layer wrote them (JSON); opaque to the store.
  std::string targets;
  // The file versions the tag pins, with their segments and attributes, as
  // they were when the tag was set (even if the version is gone since).
  std::vector<ObjectVersion> pins;
  // The snapshots (snapshot_types.h) the tag holds, by identity: one per
  // directory target.
  std::vector<std::string> snapshots;
  std::string etag;  // unquoted
  int64_t updated_ns = 0;
  std::string updated_by;  // access key id
};

// One version the tag should pin: looked up inside the write transaction, so
// a version replaced since the caller looked is refused (kNoSuchKey), never
// pinned by mistake. The version id alone does not tell an overwrite of a
// "null" version from the version the caller read (and hashed, and wrote
// into the targets); the row id (ObjectVersion::row_id, never reused) does.
struct PinRequest {
  std::string key;
  std::string version_id;
  int64_t row_id = 0;  // the version's row id; 0 pins whatever has version_id
};

struct TagHistoryEntry {
  int64_t seq = 0;  // 1 for the tag's first change, then 2, 3, ...
  int64_t time_ns = 0;
  std::string actor;        // access key id
  std::string action;       // "set", "delete", "rollback"
  std::string old_targets;  // JSON as in TagRecord::targets; empty when there was no tag
  std::string new_targets;  // empty when the change deleted the tag
  std::string old_etag;
  std::string new_etag;
  // What the tag resolved to after the change (JSON written by the model layer).
  std::string resolved;
};

// A tag to create or move.
struct TagWrite {
  std::string key;  // the tag's key (models::tag_object_key of model and tag)
  std::string model;
  std::string tag;
  std::string targets;
  std::vector<PinRequest> pins;
  std::vector<SnapshotWrite> snapshots;  // the directory targets' snapshots, distinct ids
  std::string etag;
  int64_t now_ns = 0;
  std::string actor;
  std::string action = "set";  // recorded in the history
  std::string resolved;        // recorded in the history
};

// Conditions on the tag as it is now, checked inside the write transaction.
struct TagPreconditions {
  std::optional<std::string> if_match;  // the tag's ETag, unquoted; a missing tag fails
  bool if_none_match_any = false;       // an existing tag fails
};

struct TagWriteOutcome {
  std::optional<TagRecord> tag;  // the tag as written; nullopt after a delete
  int64_t history_seq = 0;
  // Blobs whose last reference went away: ObjectStore removes their files.
  std::vector<std::string> released_blobs;
};

// Tags in key order. Either `model` (all its tags) or the key range
// [lower, upper) of a listing.
struct TagListQuery {
  std::optional<std::string> model;
  std::string lower;
  std::string upper;
  int limit = 1000;
};

}  // namespace moss::store
