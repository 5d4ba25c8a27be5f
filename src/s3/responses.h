// Sending the common shapes of S3 responses.
#pragma once

#include <string>

#include "s3/errors.h"
#include "s3/request_context.h"

namespace moss::s3 {

// What every error answer has, XML or JSON: the table's status, Server,
// x-amz-request-id and the error's own headers (ETag on a 304,
// x-amz-delete-marker on a 404). Whether a body follows: a 304 has none.
http::response<http::string_body> error_head(const S3Error& error, std::string_view request_id,
                                             unsigned version);
inline bool error_has_body(const S3Error& error) { return error.info().http_status != 304; }

// The S3 XML error document for `error`, with the right status.
http::response<http::string_body> error_response(const S3Error& error, std::string_view resource,
                                                 std::string_view request_id, unsigned version);

awaitable<void> send_xml(RequestContext& ctx, http::status status, std::string xml);
// The same with a head the caller filled in (extra headers such as
// x-amz-version-id); Content-Type and the length are set here.
awaitable<void> send_xml(RequestContext& ctx, ResponseHead head, std::string xml);
// A response without a body (204, or a bare 200).
awaitable<void> send_empty(RequestContext& ctx, ResponseHead head);
// 204 No Content: what a successful DELETE of a bucket configuration answers.
awaitable<void> send_no_content(RequestContext& ctx);

}  // namespace moss::s3
