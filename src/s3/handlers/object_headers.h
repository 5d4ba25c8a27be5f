// Object metadata as HTTP headers, both ways: what a PUT stores, and what a
// GET or HEAD returns.
#pragma once

#include <string>
#include <string_view>

#include "moss/s3/exchange.h"
#include "moss/store/object_types.h"
#include "moss/util/uri.h"

namespace moss::s3 {

// Content-Type (default binary/octet-stream), Content-Encoding (without the
// aws-chunked transport token), Content-Disposition, Content-Language,
// Cache-Control, Expires and x-amz-meta-*. Throws MetadataTooLarge past S3's
// 2 KB of user metadata.
store::ObjectAttributes attributes_from_request(const RequestHead& head);

// A Content-Encoding value without the aws-chunked token (how the body was
// framed, not how the object is encoded), as S3 stores it: "aws-chunked, gzip"
// is "gzip", "aws-chunked" alone is empty, and a value without the token is
// kept byte for byte ("deflate, gzip").
std::string strip_aws_chunked(std::string_view value);

// ETag, Last-Modified, the stored attributes and user metadata.
void add_object_headers(ResponseHead& head, const store::ObjectVersion& version);

// response-content-type and friends on GET.
void apply_response_overrides(ResponseHead& head, const QueryParams& query);

}  // namespace moss::s3
