// Header strings are arbitrary bytes; JSON (and so the stored metadata) needs
// valid UTF-8, or nlohmann's dump() throws.
#pragma once

#include <string>
#include <string_view>

namespace moss::models {

// `s` with every byte that does not start a well-formed UTF-8 sequence (RFC
// 3629: no overlongs, surrogates or code points past U+10FFFF) replaced by U+FFFD.
std::string to_valid_utf8(std::string_view s);

}  // namespace moss::models
