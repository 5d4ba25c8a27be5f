// Errors as the Hugging Face Hub answers them (docs/huggingface.md), which its
// clients branch on: the status, `X-Error-Code` (RepoNotFound,
// RevisionNotFound, EntryNotFound; a bare 404 reads as "offline" to them),
// `X-Error-Message`, and a JSON body {"error": message}.
#pragma once

#include <string_view>

#include "s3/errors.h"
#include "s3/request_context.h"

namespace moss::s3 {

// The Hub's answer for `error`. An anonymous request that was denied gets
// what the Hub gives for a private repository asked without a token: 401 with
// RepoNotFound (clients then say to authenticate); a denied token gets 403.
http::response<http::string_body> hub_error_response(const S3Error& error,
                                                     std::string_view request_id, unsigned version,
                                                     bool anonymous);

}  // namespace moss::s3
