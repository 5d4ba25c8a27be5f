// Sending the common shapes of S3 responses.
#pragma once

#include <string>

#include "s3/errors.h"
#include "s3/request_context.h"

namespace moss::s3 {

// The S3 XML error document for `error`, with the right status.
http::response<http::string_body> error_response(const S3Error& error, std::string_view resource,
                                                 std::string_view request_id, unsigned version);

awaitable<void> send_xml(RequestContext& ctx, http::status status, std::string xml);
// The same with a head the caller filled in (extra headers such as
// x-amz-version-id); Content-Type and the length are set here.
awaitable<void> send_xml(RequestContext& ctx, ResponseHead head, std::string xml);
// A response without a body (204, or a bare 200).
awaitable<void> send_empty(RequestContext& ctx, ResponseHead head);

}  // namespace moss::s3
