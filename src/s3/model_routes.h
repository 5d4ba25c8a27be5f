// Routing for the model layer, beside the S3 router: tag keys
// ("<model>/tags/<tag>") addressed as objects, and the registry API under
// /_moss/v1/ ("_moss" is not a valid bucket name, so no bucket is shadowed).
#pragma once

#include <string_view>

#include "s3/router.h"

namespace moss::s3 {

// The path-style "bucket" the registry API lives under.
inline constexpr std::string_view kRegistryBucket = "_moss";

// For an object operation on a tag key, the tag operation: Put/Get/Head/
// DeleteObject become Put/Get/Head/DeleteTag (GET ?moss-tag: GetTagDocument),
// and writes a tag key cannot take (a multipart upload, a copy onto it) are
// MethodNotAllowed. Any other operation or key is returned unchanged.
Operation route_tag_key(Operation op, std::string_view key, const QueryParams& query);

// The registry operation of `method` on `path`, the key under the registry
// bucket ("v1/models"); kRegistryUnknown when the pair names nothing (then
// is_registry_path tells a wrong method from a wrong path).
Operation route_registry(http::verb method, std::string_view path);
bool is_registry_path(std::string_view path);

bool is_registry_operation(Operation op);

}  // namespace moss::s3
