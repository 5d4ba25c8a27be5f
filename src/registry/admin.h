// moss's own operations, beside S3's and the registry API's: paths under
// /_moss/ (model_routes.h; never a bucket, as S3 bucket names cannot contain
// '_'), SigV4-authenticated like every S3 request. See docs/versioning.md.
//
//   POST /_moss/lifecycle/run   runs the lifecycle worker now and answers,
//                               once it is done, with what it did (JSON)
#pragma once

#include <string_view>

#include "s3/router.h"

namespace moss::s3 {

// The admin operation `method` on `path` (the key under /_moss/) names:
// kRunLifecycle, kMethodNotAllowed for another method on its path, and
// kUnknown for any other path (the registry API's then).
Operation route_admin(http::verb method, std::string_view path);

}  // namespace moss::s3
