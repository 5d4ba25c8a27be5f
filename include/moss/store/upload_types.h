// The records of multipart uploads in progress. CreateMultipartUpload records
// an upload; each UploadPart adds (or replaces) a part whose bytes are one
// immutable blob; CompleteMultipartUpload turns chosen parts into the segments
// of a new version, by reference, without copying; Abort and the expiry sweep
// drop the upload and release its parts' blobs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "moss/store/object_types.h"

namespace moss::store {

struct MultipartUpload {
  std::string upload_id;  // assigned by the store; sorts in order of initiation
  std::string key;
  std::string owner;
  int64_t initiated_ns = 0;
  // Given at Create; the completed object carries them.
  ObjectAttributes attributes;
  // The checksum every part gets ("CRC32"), empty when Create named none, and
  // how Complete combines them ("COMPOSITE" or "FULL_OBJECT").
  std::string checksum_algorithm;
  std::string checksum_type;
};

struct UploadPart {
  int part_number = 0;  // 1..10000
  std::string sha256;   // names the blob holding the part's bytes
  uint64_t size = 0;
  std::string etag;  // hex MD5 of the part, unquoted
  // The part's checksum (base64) and its algorithm ("CRC32"); empty when none.
  std::string checksum_algorithm;
  std::string checksum;
  int64_t last_modified_ns = 0;
  // Set by a part copy (UploadPartCopy): the blob was stored before and must
  // still be referenced when the part is recorded (NewVersion says why).
  bool reuses_referenced_blob = false;
};

struct PartListQuery {
  int marker = 0;  // parts with a greater number
  int max_parts = 1000;
};

struct PartListPage {
  MultipartUpload upload;
  std::vector<UploadPart> parts;  // ascending part numbers
  bool truncated = false;
  int next_marker = 0;  // the last part number in this page
};

struct UploadListQuery {
  std::string prefix;
  std::string delimiter;
  // Exclusive lower bound: uploads of later keys, and, when upload_id_marker is
  // set, uploads of key_marker itself with a greater upload id.
  std::string key_marker;
  std::string upload_id_marker;
  int max_uploads = 1000;
};

struct UploadListPage {
  std::vector<MultipartUpload> uploads;  // by key, then upload id (initiation order)
  std::vector<std::string> common_prefixes;
  bool truncated = false;
  std::string next_key_marker;
  std::string next_upload_id_marker;
};

// Names an upload anywhere in the store (the expiry sweep).
struct UploadRef {
  std::string bucket;
  std::string key;
  std::string upload_id;
};

}  // namespace moss::store
