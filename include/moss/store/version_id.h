// Opaque, unique version and upload identifiers.
#pragma once

#include <string>

namespace moss::store {

// 32 URL-safe characters; later ids sort after earlier ones (the time comes
// first), which makes them easy to read in logs. Clients must not rely on it.
std::string new_version_id();

}  // namespace moss::store
