// The bytes of one download, fetched as ranged GETs over several connections
// at once and written in place with pwrite: the remaining range is cut into
// chunks, and each connection takes the next chunk not yet taken, so the
// written prefix grows roughly in order and a PrefixHasher can follow it.
//
// Every GET carries If-Match with the ETag the HEAD reported, so all chunks
// come from the same bytes: if the tag moved (or the key was overwritten) in
// the meantime, the fetch ends as kMoved and the caller starts over.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "moss/client/s3_client.h"
#include "moss/client/transfer_progress.h"
#include "prefix_hasher.h"

namespace moss::client {

struct FetchPlan {
  std::string bucket;
  std::string key;           // what is asked for (a tag key or a plain key)
  std::string etag;          // of the bytes the HEAD described
  std::string resolved_key;  // expected x-moss-resolved-key, when the server sends one
  uint64_t from = 0;         // bytes [from, size) are fetched
  uint64_t size = 0;
  int connections = 1;  // at most this many GETs at once (fewer when there are fewer chunks)
  uint64_t chunk_size = 0;
};

enum class FetchOutcome { kComplete, kMoved };

// Fetches plan.[from, size) into `fd` at the same offsets. `direct_fd`, when
// not -1, is the same file opened with O_DIRECT: whole aligned 1 MiB pieces
// are written through it, straight from the block they were received into,
// without a copy into the page cache (the rest through `fd`). `hasher` is told
// how far the written prefix reaches; `on_chunk_prefix` (when given) is
// called with it each time a whole chunk joins the prefix (to record it for a
// resume). `s3` serves the first connection; the others open their own.
Result<FetchOutcome, ClientError> fetch_ranges(
    S3Client& s3, const FetchPlan& plan, int fd, int direct_fd, PrefixHasher& hasher,
    TransferProgress* progress, const std::function<void(uint64_t)>& on_chunk_prefix);

// How many chunks, and so at most how many GETs, plan.[from, size) makes.
uint64_t chunk_count(const FetchPlan& plan);

}  // namespace moss::client
