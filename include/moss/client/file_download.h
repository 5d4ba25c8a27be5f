// Downloading one object (a tag key, which serves the file it resolves to, or
// a plain key) to a local file, resumably and verified:
//
// 1. HEAD says what will be served: its ETag, size, resolved key and SHA-256.
// 2. The bytes go to DEST.part, written in place by up to
//    DownloadTuning::connections ranged GETs at once (chunk_size bytes each;
//    one plain GET for a file no larger than a chunk), every one with If-Match
//    on the HEAD's ETag: if the tag moves meanwhile, the round starts over.
//    The SHA-256 is computed on another thread, in order, as the bytes land.
//    A .part left by an interrupted download is continued from its valid
//    prefix (its length, or xattr user.moss.done when parallel GETs wrote
//    ahead of it) if the ETag recorded with it (xattr user.moss.etag) is
//    still what is served; otherwise the download starts over.
// 3. The whole file's SHA-256 is checked against x-moss-content-sha256 (or a
//    full-object x-amz-checksum-sha256 for plain keys); only then is DEST.part
//    renamed to DEST. On a mismatch after a resume, the download is repeated
//    from the start once; a mismatch of a fresh download is an error and the
//    .part is removed.
// A DEST that already holds exactly those bytes is left alone.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "moss/client/s3_client.h"
#include "moss/client/transfer_progress.h"

namespace moss::client {

// How the bytes are fetched. Memory stays flat whatever the file size:
// about 1.3 MiB per connection plus at most held_blocks + 1 MiB of received
// blocks the hashing thread holds (it hashes in-order bytes from memory).
struct DownloadTuning {
  static constexpr uint64_t kDefaultChunkSize = 64ull << 20;
  static constexpr size_t kDefaultHeldBlocks = 16;
  // Ranged GETs in flight at once, each on its own connection. One by
  // default: it hashes every block from memory and writes it with O_DIRECT,
  // the least CPU per GB, which is what sets the pace when many pulls share
  // machines (a rollout); more help where one TCP stream cannot fill the path.
  int connections = 1;
  // Bytes per ranged GET; a file (or a remainder) no larger is one GET.
  uint64_t chunk_size = kDefaultChunkSize;
  // Received 1 MiB blocks the hashing thread may hold while it catches up;
  // with fewer, a receiver waits sooner (or, ahead of the hashed prefix, its
  // bytes are read back from the file). Downloads at once share the default.
  size_t held_blocks = kDefaultHeldBlocks;
};

struct DownloadRequest {
  std::string bucket;
  std::string key;
  // A directory (the file is named after the resolved key's last segment) or
  // a file path.
  std::string dest;
  DownloadTuning tuning;
};

struct DownloadResult {
  std::string path;          // where the file now is
  std::string resolved_key;  // the key of the bytes served (the tag's target for tags)
  std::string tag_chain;     // "latest>v2>2024-03-20/x.gguf"; empty for a plain key
  uint64_t size = 0;
  std::string sha256_hex;
  bool verified = false;      // false only when the server reported no SHA-256
  uint64_t resumed_from = 0;  // bytes kept from an earlier .part
  bool up_to_date = false;    // DEST already held these bytes; nothing was downloaded
};

// Tells the caller what is happening ("resuming at 1.2 GiB", "tag moved, starting over").
using NoteFn = std::function<void(const std::string&)>;

// Safe to call from several threads at once for different destinations, each
// with its own S3Client (a directory pull runs one per file).
Result<DownloadResult, ClientError> download_file(S3Client& s3, const DownloadRequest& request,
                                                  TransferProgress* progress = nullptr,
                                                  const NoteFn& note = {});

// The final path for `dest` and the served key: dest/<last segment of key>
// when dest is an existing directory or ends in '/', else dest.
std::string download_path(const std::string& dest, const std::string& resolved_key);

}  // namespace moss::client
