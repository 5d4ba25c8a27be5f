// A request payload into a blob, verified, for PutObject and UploadPart. It
// streams through a few buffers: while one is read from the network, the ones
// before it are hashed and written on the blocking pool, MD5, SHA-256 and the
// disk each at its own pace (s3/payload/blob_lanes.h), so a single-stream
// upload runs at the speed of its slowest stage, not the sum of them.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "moss/s3/exchange.h"
#include "moss/store/blob_store.h"
#include "moss/util/digest.h"
#include "s3/payload/checksum_headers.h"
#include "s3/payload/payload_reader.h"
#include "s3/request_context.h"

namespace moss::s3 {

// What receive_payload stored and verified.
struct ReceivedPayload {
  std::unique_ptr<store::SealedBlob> blob;
  VerifiedChecksum checksum;  // the client's checksum, verified; empty algorithm when none
};

// Receives the whole request payload into a sealed blob, computing `digests`
// besides SHA-256 and MD5. A declared size over `limit` is refused before
// anything is read, and a streamed one as soon as it passes it
// (EntityTooLarge); the x-amz-content-sha256 the client signed is checked
// against the blob's SHA-256 (XAmzContentSHA256Mismatch) and `checksum`
// (Content-MD5, x-amz-checksum-*) against the blob's digests. A request with
// neither Content-Length nor Transfer-Encoding is MissingContentLength (411)
// before anything is stored. On any error
// the unsealed blob is discarded.
awaitable<ReceivedPayload> receive_payload(RequestContext& ctx, PayloadReader& body,
                                           const ChecksumRequest& checksum,
                                           std::vector<DigestAlgorithm> digests, uint64_t limit);

}  // namespace moss::s3
