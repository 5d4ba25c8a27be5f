// Query parameters of the registry API's requests.
#pragma once

#include <string>
#include <string_view>

#include "s3/request_context.h"

namespace moss::s3 {

// The value of query parameter `name`; 400 InvalidArgument (naming it) when it
// is absent or empty.
std::string required_param(const RequestContext& ctx, std::string_view name);

}  // namespace moss::s3
