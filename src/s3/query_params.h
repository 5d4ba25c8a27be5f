// Reading a request's query parameters by name. A parameter may repeat; the
// first occurrence counts, as in S3.
#pragma once

#include <string>
#include <string_view>

#include "moss/util/uri.h"

namespace moss::s3 {

bool has_param(const QueryParams& query, std::string_view name);
// The first value of a parameter, or nullptr.
const std::string* find_param(const QueryParams& query, std::string_view name);

}  // namespace moss::s3
