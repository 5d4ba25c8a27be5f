// Conditional request headers (RFC 9110 section 13) with S3's precedence rules.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace moss::s3 {

struct Preconditions {
  std::optional<std::string> if_match;  // raw header values
  std::optional<std::string> if_none_match;
  std::optional<std::string> if_modified_since;
  std::optional<std::string> if_unmodified_since;
  bool any() const { return if_match || if_none_match || if_modified_since || if_unmodified_since; }
};

enum class PreconditionOutcome { kProceed, kNotModified, kPreconditionFailed };

// For GET/HEAD (and the x-amz-copy-source-if-* family, which uses the same rules)
// on an object with quoted `etag` and `last_modified` (Unix seconds).
// S3's documented precedence: If-Match true with If-Unmodified-Since false
// proceeds; If-None-Match false with If-Modified-Since true is 304. Entity tags
// compare strongly after removing quotes and a W/ prefix; "*" matches any object.
// A date header that does not parse is ignored, and so is an If-Modified-Since later
// than the current time (RFC 7232 section 3.3 calls it invalid; S3 serves the object).
// For the copy-source family S3 answers 412 where a read answers 304: callers map
// kNotModified to kPreconditionFailed there.
PreconditionOutcome evaluate_read_preconditions(const Preconditions& p, std::string_view etag,
                                                int64_t last_modified);

// True when an If-Match / If-None-Match list value matches `etag`
// (comma-separated list, quotes optional, "*" matches anything).
bool etag_list_matches(std::string_view header_value, std::string_view etag);

}  // namespace moss::s3
