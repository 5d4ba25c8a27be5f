#include "s3/handlers/conditional.h"

#include <ctime>

#include "moss/util/ascii.h"
#include "moss/util/etag.h"
#include "moss/util/time_format.h"

namespace moss::s3 {

bool etag_list_matches(std::string_view header_value, std::string_view etag) {
  const std::string_view wanted = opaque_etag(etag);
  std::string_view rest = header_value;
  while (!rest.empty()) {
    if (is_ows(rest.front()) || rest.front() == ',') {
      rest.remove_prefix(1);
      continue;
    }
    std::string_view candidate;
    if (rest.starts_with("W/")) rest.remove_prefix(2);
    if (!rest.empty() && rest.front() == '"') {
      // A quoted tag may itself contain commas.
      const size_t close = rest.find('"', 1);
      const size_t end = close == std::string_view::npos ? rest.size() : close + 1;
      candidate = rest.substr(0, end);
      rest.remove_prefix(end);
    } else {
      const size_t comma = rest.find(',');
      candidate = rest.substr(0, comma);
      while (!candidate.empty() && is_ows(candidate.back())) candidate.remove_suffix(1);
      rest.remove_prefix(comma == std::string_view::npos ? rest.size() : comma);
      if (candidate == "*") return true;
    }
    if (opaque_etag(candidate) == wanted) return true;
  }
  return false;
}

// RFC 9110 section 13.2.2, which is also the order behind S3's two documented cases:
//   1. If-Match, when present, decides the first step; If-Unmodified-Since is
//      consulted only without it (If-Match true + If-Unmodified-Since false: 200).
//   2. If-None-Match, when present, decides the second; If-Modified-Since is
//      consulted only without it (If-None-Match false + If-Modified-Since true: 304).
// A failed step one is 412 whatever step two says. An If-Modified-Since in the future
// is treated like an unparsable one: a client asking "changed since tomorrow?" gets the
// object, as from S3.
PreconditionOutcome evaluate_read_preconditions(const Preconditions& p, std::string_view etag,
                                                int64_t last_modified) {
  if (p.if_match) {
    if (!etag_list_matches(*p.if_match, etag)) return PreconditionOutcome::kPreconditionFailed;
  } else if (p.if_unmodified_since) {
    const auto since = parse_http_date(*p.if_unmodified_since);
    if (since && last_modified > *since) return PreconditionOutcome::kPreconditionFailed;
  }
  if (p.if_none_match) {
    if (etag_list_matches(*p.if_none_match, etag)) return PreconditionOutcome::kNotModified;
  } else if (p.if_modified_since) {
    const auto since = parse_http_date(*p.if_modified_since);
    if (since && *since <= static_cast<int64_t>(std::time(nullptr)) && last_modified <= *since) {
      return PreconditionOutcome::kNotModified;
    }
  }
  return PreconditionOutcome::kProceed;
}

}  // namespace moss::s3
