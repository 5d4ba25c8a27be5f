// Which bucket names and object keys S3 accepts.
#pragma once

#include <string_view>

namespace moss::s3 {

// General-purpose bucket naming rules: 3-63 characters of a-z 0-9 . -, beginning
// and ending with a letter or digit, no "..", not formatted as an IPv4 address,
// none of the reserved prefixes (xn--, sthree-, amzn-s3-demo-) or suffixes
// (-s3alias, --ol-s3, .mrap, --x-s3, --table-s3).
bool is_valid_bucket_name(std::string_view name);

// 1 to 1024 bytes of valid UTF-8 (no overlongs, no surrogates, nothing above
// U+10FFFF). Any byte sequence that passes is stored as-is; keys are never
// turned into file paths, so "../x" is just a key.
bool is_valid_object_key(std::string_view key);

bool is_valid_utf8(std::string_view text);

}  // namespace moss::s3
