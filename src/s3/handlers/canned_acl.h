// Canned ACLs (x-amz-acl), the two moss honours: "private", the default, and
// "public-read", which lets anyone read without signing (docs/access-control.md).
// Every other ACL S3 knows (public-read-write, authenticated-read, ...,
// x-amz-grant-* headers, an AccessControlPolicy document) is NotImplemented,
// never silently ignored: a client asking for one must not believe it holds.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "moss/s3/exchange.h"

namespace moss::s3 {

// What the request's x-amz-acl asks for: nullopt without one, else whether it
// is public-read. Throws NotImplemented (another canned ACL, a grant header)
// or InvalidArgument (not a canned ACL at all).
std::optional<bool> requested_public_read(const RequestHead& head);

// The AccessControlPolicy document GetBucketAcl / GetObjectAcl answer: the
// owner with FULL_CONTROL, and AllUsers with READ when `public_read`.
std::string access_control_policy(std::string_view owner_id, std::string_view owner_name,
                                  bool public_read);

}  // namespace moss::s3
