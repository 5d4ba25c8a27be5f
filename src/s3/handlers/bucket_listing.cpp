#include "s3/handlers/bucket_listing.h"

#include <charconv>

#include "moss/util/base64.h"
#include "s3/errors.h"
#include "s3/query_params.h"

namespace moss::s3 {

// A token is the last bucket name of the page before, base64-encoded: opaque
// to clients, and a page goes on correctly when buckets come and go between.
BucketPageRequest list_buckets_page_request(const QueryParams& query) {
  BucketPageRequest out;
  if (const std::string* prefix = find_param(query, "prefix")) out.prefix = *prefix;
  if (const std::string* text = find_param(query, "max-buckets")) {
    int value = 0;
    auto [p, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (text->empty() || ec != std::errc() || p != text->data() + text->size() || value < 1 ||
        value > kMaxBucketsPerPage) {
      throw S3Error(S3ErrorCode::kInvalidArgument,
                    "max-buckets must be an integer between 1 and 10000")
          .with("ArgumentName", "max-buckets")
          .with("ArgumentValue", *text);
    }
    out.max_buckets = value;
  }
  if (const std::string* token = find_param(query, "continuation-token");
      token && !token->empty()) {
    auto after = base64_decode(*token);
    if (!after || after->empty()) {
      throw S3Error(S3ErrorCode::kInvalidArgument, "The continuation token provided is incorrect")
          .with("ArgumentName", "continuation-token");
    }
    out.after = std::move(*after);
  }
  return out;
}

BucketPage page_of_buckets(const std::vector<store::Bucket>& buckets,
                           const BucketPageRequest& request) {
  BucketPage page;
  for (const auto& bucket : buckets) {
    if (request.prefix && !bucket.name.starts_with(*request.prefix)) continue;
    if (!request.after.empty() && bucket.name <= request.after) continue;
    if (page.buckets.size() == static_cast<size_t>(request.max_buckets)) {
      page.continuation_token = base64_encode(page.buckets.back()->name);
      break;
    }
    page.buckets.push_back(&bucket);
  }
  return page;
}

}  // namespace moss::s3
