// Percent-encoding as S3 and SigV4 use it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace moss {

// Decodes %XX escapes. '+' is left as '+' (S3 paths and SigV4 queries do not use
// form encoding). nullopt on a malformed escape.
std::optional<std::string> percent_decode(std::string_view text);
// Like percent_decode but also turns '+' into ' ' (form encoding).
std::optional<std::string> form_decode(std::string_view text);

// SigV4's UriEncode: every byte except A-Z a-z 0-9 - . _ ~ becomes %XX (uppercase
// hex); '/' is kept when encode_slash is false (object key paths).
std::string aws_uri_encode(std::string_view text, bool encode_slash);

using QueryParams = std::vector<std::pair<std::string, std::string>>;
// Splits a raw query string ("a=1&b&c=%2F") into decoded pairs in wire order;
// a parameter without '=' has an empty value. nullopt on a malformed escape.
std::optional<QueryParams> parse_query(std::string_view raw_query);

}  // namespace moss
