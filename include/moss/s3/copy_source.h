// The x-amz-copy-source family of headers, shared by CopyObject and
// UploadPartCopy: which object version to copy from, and the
// x-amz-copy-source-if-* conditions on it.
#pragma once

#include <string>
#include <string_view>

#include "moss/s3/conditional.h"
#include "moss/s3/exchange.h"
#include "moss/s3/range.h"

namespace moss::s3 {

struct CopySource {
  std::string bucket;
  std::string key;
  std::string version_id;
};

// "/bucket/key?versionId=v" (leading slash optional, percent-encoded).
// InvalidArgument when it does not name a bucket and a key.
CopySource parse_copy_source(std::string_view header);

// x-amz-copy-source-if-match and friends, as read preconditions.
Preconditions copy_source_preconditions(const RequestHead& head);

// x-amz-copy-source-range (UploadPartCopy): exactly "bytes=first-last", both
// within an object of `object_size` bytes. InvalidArgument otherwise.
ByteRange parse_copy_source_range(std::string_view header, uint64_t object_size);

}  // namespace moss::s3
