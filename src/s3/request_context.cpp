#include "s3/request_context.h"

#include <spdlog/spdlog.h>

#include "s3/errors.h"
#include "s3/names.h"

namespace moss::s3 {

std::string RequestContext::resource() const {
  if (bucket.empty()) return "/";
  // A key that is not UTF-8 (refused as InvalidURI) would make the error
  // document ill-formed XML: name it as the request spelled it.
  if (!is_valid_utf8(key)) return raw_path;
  return key.empty() ? "/" + bucket : "/" + bucket + "/" + key;
}

ResponseHead RequestContext::response_head(http::status status) const {
  if (route && route->authorizes_in_handler && !authorized) {
    spdlog::error("request {}: {} answered without asking for authorization; refused", request_id,
                  route->name);
    throw S3Error(S3ErrorCode::kAccessDenied);
  }
  ResponseHead head;
  head.version(ex.request().version());
  head.result(status);
  head.set(http::field::server, "moss");
  head.set("x-amz-request-id", request_id);
  head.set("x-amz-id-2", request_id);
  return head;
}

}  // namespace moss::s3
