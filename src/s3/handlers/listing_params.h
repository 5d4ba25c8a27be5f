// Query parameters the listing operations (ListObjects v1/v2,
// ListObjectVersions, ListMultipartUploads, ListParts) read the same way,
// with S3's errors for bad values.
#pragma once

#include <string>
#include <string_view>

#include "s3/request_context.h"

namespace moss::s3 {

// The most entries one listing page holds, and the size of a page by default.
inline constexpr int kMaxListPage = 1000;

// A non-negative integer parameter, `fallback` when absent; anything else is
// InvalidArgument naming the parameter.
int non_negative_int_param(const RequestContext& ctx, std::string_view name, int fallback);

// max-keys, max-uploads, max-parts: kMaxListPage when absent, at most that.
int page_size_param(const RequestContext& ctx, std::string_view name);

// encoding-type: absent, or "url" to have keys, prefixes and markers
// URL-encoded in the answer; any other value is InvalidArgument.
class ListingKeyEncoding {
 public:
  explicit ListingKeyEncoding(const RequestContext& ctx);
  bool url() const { return url_; }
  // `text` as the answer shows it.
  std::string operator()(const std::string& text) const;

 private:
  bool url_ = false;
};

}  // namespace moss::s3
