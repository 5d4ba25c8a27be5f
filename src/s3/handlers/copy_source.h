// The x-amz-copy-source family of headers, shared by CopyObject and
// UploadPartCopy: which object version to copy from, and what may be copied.
// (The x-amz-copy-source-if-* conditions are read by read_preconditions,
// object_serving.h, with that prefix.)
#pragma once

#include <string>
#include <string_view>

#include "moss/store/object_types.h"
#include "s3/handlers/range.h"
#include "s3/request_context.h"

namespace moss::s3 {

struct CopySource {
  std::string bucket;
  std::string key;
  std::string version_id;
};

// "/bucket/key?versionId=v" (leading slash optional, percent-encoded).
// InvalidArgument when it does not name a bucket and a key.
CopySource parse_copy_source(std::string_view header);

// A copy reads its source: s3:GetObject on it (s3:GetObjectVersion when it
// names a version), on top of the destination's s3:PutObject the front door
// checked. AccessDenied otherwise (s3/authorization.h).
void authorize_copy_source(RequestContext& ctx, const CopySource& source);

// A copy whose source resolved to a delete marker (`src`): InvalidRequest when
// the request named that version, NoSuchKey otherwise, as S3 answers.
void refuse_deleted_copy_source(const store::ObjectVersion& src, const CopySource& source);

// x-amz-copy-source-range (UploadPartCopy): exactly "bytes=first-last", both
// within an object of `object_size` bytes. InvalidArgument for another form,
// InvalidRange (416) for a range that reaches past the object.
ByteRange parse_copy_source_range(std::string_view header, uint64_t object_size);

}  // namespace moss::s3
