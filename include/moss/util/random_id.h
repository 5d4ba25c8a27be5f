// Unpredictable identifiers (request ids, version ids, upload ids, temp names)
// from the OpenSSL CSPRNG.
#pragma once

#include <cstddef>
#include <string>

namespace moss {

// `bytes` random bytes as lowercase hex (2 * bytes characters).
std::string random_hex(size_t bytes);

// Random characters from [A-Za-z0-9] (like S3 access keys and request ids).
std::string random_alnum(size_t length, bool uppercase_only = false);

}  // namespace moss
