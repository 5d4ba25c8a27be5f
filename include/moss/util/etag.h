// Entity tags as they travel in headers and XML ("\"9b2cf535f27731c9\"",
// W/"..."), and as moss stores them: the bare hex, without quotes.
#pragma once

#include <string_view>

namespace moss {

// Without the surrounding double quotes; a value that is not quoted is returned
// as it is.
constexpr std::string_view unquote_etag(std::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag = etag.substr(1, etag.size() - 2);
  }
  return etag;
}

// The opaque part of an entity tag: without a W/ (weak) prefix and without quotes
// (how If-Match and If-None-Match compare tags).
constexpr std::string_view opaque_etag(std::string_view etag) {
  if (etag.starts_with("W/")) etag.remove_prefix(2);
  return unquote_etag(etag);
}

}  // namespace moss
