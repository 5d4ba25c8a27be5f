// ListBuckets in pages: max-buckets, continuation-token and prefix, read and
// applied to the buckets a key may list.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "moss/store/object_types.h"
#include "moss/util/uri.h"

namespace moss::s3 {

// The most buckets one page holds (S3's bound on max-buckets).
inline constexpr int kMaxBucketsPerPage = 10000;

struct BucketPageRequest {
  std::optional<std::string> prefix;  // as given, to echo it
  std::string after;                  // the last name of the previous page ("" for the first)
  int max_buckets = kMaxBucketsPerPage;
};

// Throws InvalidArgument for a max-buckets outside 1..10000 or a
// continuation-token this server did not give. An empty token is no token.
BucketPageRequest list_buckets_page_request(const QueryParams& query);

struct BucketPage {
  std::vector<const store::Bucket*> buckets;
  std::string continuation_token;  // empty on the last page
};

// The page of `buckets` (sorted by name) that `request` asks for; its
// elements point into `buckets`.
BucketPage page_of_buckets(const std::vector<store::Bucket>& buckets,
                           const BucketPageRequest& request);

}  // namespace moss::s3
