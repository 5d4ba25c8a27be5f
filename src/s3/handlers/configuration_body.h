// Reading the small XML body of a bucket configuration request
// (PutBucketVersioning, PutBucketLifecycleConfiguration).
#pragma once

#include <string>

#include "s3/request_context.h"

namespace moss::s3 {

inline constexpr size_t kMaxConfigurationBodyBytes = 1 << 20;

// The whole body (at most 1 MiB), checked against its Content-MD5 or
// x-amz-checksum-* when the client sent one. With `checksum_required`, a body
// without either is refused as S3 refuses it: InvalidRequest.
awaitable<std::string> read_configuration_body(RequestContext& ctx, bool checksum_required);

}  // namespace moss::s3
