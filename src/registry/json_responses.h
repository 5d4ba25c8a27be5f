// The JSON shapes of the model layer's answers (docs/models.md): documents of
// the registry API and ?moss-tag, and errors as
// {"error": {"code", "message", "request_id"}} with the S3 error's status.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string_view>

#include "s3/errors.h"
#include "s3/request_context.h"

namespace moss::s3 {

http::response<http::string_body> json_error_response(const S3Error& error,
                                                      std::string_view request_id,
                                                      unsigned version);

// A JSON document; `head` may carry extra headers (ETag).
awaitable<void> send_json(RequestContext& ctx, ResponseHead head, const nlohmann::json& doc);

}  // namespace moss::s3
