// What a tag points at (docs/models.md, "Setting a tag"): one target, or
// several with integer weights. A target is relative to the model path: the
// name of another tag of the model, or the path of a file under it.
//
// Two forms exist: a TargetRequest is what a client asked for (from a text
// body, the x-moss-tag-target header or a JSON document); a TagTarget is what
// the registry recorded after looking the target up: whether it named a tag, a
// file or (a target ending in '/') a directory, for a file the version it
// pinned, for a directory the snapshot it pinned (models/snapshot.h).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "moss/models/model_error.h"

namespace moss::models {

inline constexpr size_t kMaxTagTargets = 64;
inline constexpr uint64_t kMaxTargetWeight = 1'000'000;
inline constexpr size_t kMaxTargetBytes = 1024;
// A tag's request body or header is a name or a short JSON document.
inline constexpr size_t kMaxTagRequestBytes = 64 * 1024;

enum class TargetKind { kTag, kFile, kSnapshot };

struct TagTarget {
  std::string target;  // as given, relative to the model path
  uint64_t weight = 1;
  TargetKind kind = TargetKind::kFile;
  // kFile: the version pinned when the tag was set, and its SHA-256.
  std::string version_id;
  std::string sha256;
  // kSnapshot: the identity of the snapshot pinned when the tag was set.
  std::string snapshot;

  bool operator==(const TagTarget&) const = default;
};

struct TargetRequest {
  std::string target;
  uint64_t weight = 1;
};

// Parses a tag's requested targets: a bare target ("v2", surrounding
// whitespace and a trailing newline ignored), {"target": "v2"}, or
// {"targets": [{"target": "v2", "weight": 10}, ...]} (weight defaults to 1).
// kInvalidArgument for malformed JSON, a weight that is not a positive integer
// up to kMaxTargetWeight, no targets or too many, or a target given twice;
// kInvalidTagTarget for a target that is not a well-formed relative path.
ModelResult<std::vector<TargetRequest>> parse_target_request(std::string_view text);

// Empty when `target` is a well-formed relative path: non-empty, at most
// kMaxTargetBytes of UTF-8 without control characters, no leading '/', no
// empty, "." or ".." segment (but one trailing '/', which names a directory).
// Otherwise why not.
std::string target_syntax_error(std::string_view target);

// The recorded form, kept as the tag's targets in the store, and back.
std::string targets_to_json(const std::vector<TagTarget>& targets);
ModelResult<std::vector<TagTarget>> targets_from_json(std::string_view text);

std::string_view kind_name(TargetKind kind);  // "tag", "file", "snapshot"

// Whether a target names a directory (ends in '/').
inline bool names_directory(std::string_view target) { return target.ends_with('/'); }

}  // namespace moss::models
