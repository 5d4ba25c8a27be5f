#include "s3/handlers/listing_params.h"

#include <algorithm>
#include <charconv>

#include "moss/util/uri.h"
#include "s3/errors.h"

namespace moss::s3 {

int non_negative_int_param(const RequestContext& ctx, std::string_view name, int fallback) {
  const std::string* text = ctx.param(name);
  if (!text) return fallback;
  int value = 0;
  auto [p, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (text->empty() || ec != std::errc() || p != text->data() + text->size() || value < 0) {
    throw S3Error(S3ErrorCode::kInvalidArgument,
                  "Provided " + std::string(name) + " not an integer or within integer range")
        .with("ArgumentName", std::string(name))
        .with("ArgumentValue", *text);
  }
  return value;
}

int page_size_param(const RequestContext& ctx, std::string_view name) {
  return std::min(non_negative_int_param(ctx, name, kMaxListPage), kMaxListPage);
}

ListingKeyEncoding::ListingKeyEncoding(const RequestContext& ctx) {
  const std::string* encoding = ctx.param("encoding-type");
  if (!encoding) return;
  if (*encoding != "url") {
    throw S3Error(S3ErrorCode::kInvalidArgument, "Invalid Encoding Method specified in Request")
        .with("ArgumentName", "encoding-type")
        .with("ArgumentValue", *encoding);
  }
  url_ = true;
}

std::string ListingKeyEncoding::operator()(const std::string& text) const {
  return url_ ? aws_uri_encode(text, false) : text;
}

}  // namespace moss::s3
