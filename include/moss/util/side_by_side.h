// Runs two pieces of work at once: one on a small process-wide pool, one on
// the calling thread, returning when both are done. BlobWriter::write uses it
// to compute MD5 (the ETag, the slowest hash and inherently serial) on another
// core while this one computes SHA-256 and writes the bytes, for writers fed
// one chunk at a time (UploadPartCopy, the Hub mirror); request bodies run the
// writer's lanes apart instead (s3/payload/blob_lanes.h).
#pragma once

#include <functional>

namespace moss {

// `beside` must not throw. Both callables run to completion before return.
void run_side_by_side(const std::function<void()>& beside, const std::function<void()>& here);

}  // namespace moss
