// The records the store keeps: buckets, object versions and what an object is
// made of (immutable content-addressed blobs).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace moss::store {

enum class VersioningState { kUnversioned, kEnabled, kSuspended };

struct Bucket {
  int64_t id = 0;
  std::string name;
  std::string owner;  // access key id that created it
  int64_t created_ns = 0;
  VersioningState versioning = VersioningState::kUnversioned;
  // The canned ACL public-read: anyone, unsigned, may read every object in
  // the bucket (docs/access-control.md). Otherwise private.
  bool public_read = false;
};

// A run of an object's bytes held by one blob. A single PUT has one segment; a
// completed multipart upload has one per part (completion links, never copies).
struct BlobSegment {
  std::string sha256;  // lowercase hex, names the blob
  uint64_t size = 0;
  int part_number = 0;  // 0 for single-part objects
  // The part's own checksum / MD5, kept so GET ?partNumber=N can answer them.
  std::string part_etag;
  std::string part_checksum;
};

// System and user metadata, stored verbatim and returned on GET/HEAD.
struct ObjectAttributes {
  std::string content_type;
  std::string content_encoding;
  std::string content_disposition;
  std::string content_language;
  std::string cache_control;
  std::string expires;
  // x-amz-meta-* entries, names lowercased without the prefix.
  std::vector<std::pair<std::string, std::string>> user_metadata;
  // x-amz-checksum-<algorithm>: algorithm name ("CRC32") -> base64 value.
  std::map<std::string, std::string> checksums;
  std::string checksum_type;  // "FULL_OBJECT" or "COMPOSITE"; empty when none
  // The canned ACL public-read on this version: anyone, unsigned, may read
  // it. Otherwise private. Each version has its own, as in S3.
  bool public_read = false;
};

struct ObjectVersion {
  // Orders versions of one key (higher is newer) and names this version for
  // good: a row id is never reused, not even by an overwrite of a "null"
  // version, so a background worker that read a version can tell it from its
  // successor (lifecycle expiry, content hashing, tag pins).
  int64_t row_id = 0;
  int64_t bucket_id = 0;
  std::string key;
  std::string version_id;  // "null" for unversioned writes
  bool is_latest = false;
  bool is_delete_marker = false;
  uint64_t size = 0;
  std::string etag;  // unquoted: hex MD5, or hex MD5-of-MD5s "-N" for multipart
  int64_t last_modified_ns = 0;
  std::string content_sha256;  // of the whole object, when known
  std::string owner;
  std::vector<BlobSegment> segments;
  ObjectAttributes attributes;
  // What the header of a .gguf / .safetensors file said (models::ModelMetadata
  // as JSON), empty for other objects.
  std::string model_metadata;
  // Listings only: the entry is a model tag (tag_types.h), not a version; the
  // size and ETag are the tag's own, the listing reports the resolved file's.
  bool is_tag = false;
  // Version listings only (list_versions): when the version stopped being the
  // latest (a newer version or delete marker was written); 0 while it is latest.
  int64_t noncurrent_since_ns = 0;
  // get_version only: the versioning state of the bucket, read in the same
  // transaction, so a GET needs one lookup rather than two.
  VersioningState bucket_versioning = VersioningState::kUnversioned;
};

}  // namespace moss::store
