// Opaque, unique version and upload identifiers.
#pragma once

#include <string>
#include <string_view>

namespace moss::store {

// 32 URL-safe characters; later ids sort after earlier ones (the time comes
// first), which makes them easy to read in logs. Clients must not rely on it.
std::string new_version_id();

// Whether `id` could name a version: "null" or the form new_version_id()
// makes. S3 answers a malformed id with InvalidArgument, an unknown
// well-formed one with NoSuchVersion.
bool is_valid_version_id(std::string_view id);

}  // namespace moss::store
