// Signature Version 2 query authentication (?AWSAccessKeyId=&Expires=&Signature=).
// Only presigned URLs: boto3 and aws-cli v1 still presign with it by default
// (`aws s3 presign`, generate_presigned_url without signature_version="s3v4"),
// so a URL a user makes with them should work. Requests signed in headers must
// use SigV4.
#pragma once

#include <string>
#include <string_view>

#include "moss/s3/exchange.h"
#include "moss/util/uri.h"

namespace moss::s3 {

// "GET\n<Content-MD5>\n<Content-Type>\n<Expires>\n<x-amz-* headers><resource>", where
// the resource is the request path as sent plus the signed subresources
// (versionId, partNumber, response-* ...) sorted by name.
std::string sigv2_string_to_sign(const RequestHead& head, std::string_view raw_path,
                                 const QueryParams& query, std::string_view expires);

// base64(HMAC-SHA1(secret, string_to_sign))
std::string sigv2_signature(std::string_view secret_access_key, std::string_view string_to_sign);

}  // namespace moss::s3
