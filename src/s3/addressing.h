// Where a request points: path-style (/bucket/key) always, and
// virtual-hosted-style (bucket.DOMAIN/key) when a domain is configured.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace moss::s3 {

struct Address {
  std::string bucket;  // empty: the service (ListBuckets)
  std::string key;     // empty: the bucket itself
};

// `raw_path` is the request path as sent (percent-encoded, no query); `host` the
// Host header. nullopt when the path has a malformed escape. Keys keep every
// byte after the bucket's slash: "/b//x/" is key "/x/".
std::optional<Address> resolve_address(std::string_view raw_path, std::string_view host,
                                       std::string_view domain);

}  // namespace moss::s3
