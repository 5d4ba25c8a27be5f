// Uploading one local file as one object, with end-to-end integrity:
// - up to the multipart threshold, one PUT carrying x-amz-checksum-sha256 of
//   the whole file (the server refuses a body that does not hash to it);
// - above it, a multipart upload with SHA-256 checksums: every part carries
//   its own (verified by the server as it arrives), parts go up in parallel,
//   each over its own connection, and a failed part is retried; the upload is
//   aborted if a part keeps failing.
// The whole file's SHA-256 is computed on the way (for comparison with what
// the server reports once the object is tagged).
#pragma once

#include <cstdint>
#include <string>

#include "moss/client/signed_client.h"
#include "moss/client/transfer_progress.h"

namespace moss::client {

struct UploadOptions {
  uint64_t multipart_threshold = 64ull << 20;
  uint64_t part_size = 64ull << 20;  // raised when the file would need more than 10000 parts
  int parallel = 4;                  // part uploads at once
  int attempts = 3;                  // per part, for transport errors and 5xx answers
};

struct UploadResult {
  uint64_t size = 0;
  std::string sha256_hex;  // of the whole file
  std::string etag;
  int parts = 0;  // 0 for a single PUT
};

// The part size actually used for a file of `size` bytes (S3 allows at most
// 10000 parts; parts other than the last are at least 5 MiB).
uint64_t effective_part_size(uint64_t size, uint64_t requested);

Result<UploadResult, ClientError> upload_file(const ClientConfig& config, const std::string& bucket,
                                              const std::string& key, const std::string& path,
                                              const UploadOptions& options,
                                              TransferProgress* progress = nullptr);

}  // namespace moss::client
