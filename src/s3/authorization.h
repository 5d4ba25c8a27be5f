// Authorization in the front door: may the request's key perform an action on
// a bucket or key (s3/auth/access_decision.h decides)? S3Service::process asks
// once per request for the row's action on the addressed resource. Rows marked
// `authorizes_in_handler` (the registry API, whose bucket, model and tag come
// from query parameters; DeleteObjects, per key) ask here from their handler,
// and must: a response head built for such a row before any question was asked
// fails closed (RequestContext::response_head throws AccessDenied).
#pragma once

#include <optional>
#include <string_view>

#include "s3/request_context.h"

namespace moss::s3 {

// Throws AccessDenied (403) unless ctx's key may perform `action` on `bucket`
// (`key` empty: the bucket itself; `bucket` empty: no bucket). A denial is
// logged (warn: key name, key id, action, resource, why) and counted in
// moss_authz_denied_total{action}.
void authorize(RequestContext& ctx, std::string_view action, std::string_view bucket,
               std::string_view key = {}, std::optional<std::string_view> prefix = std::nullopt);

// The same question without an error, for leaving out of an answer what the key
// may not see (a listing, per key in DeleteObjects). Not counted as a denial.
bool is_authorized(RequestContext& ctx, std::string_view action, std::string_view bucket,
                   std::string_view key = {});

// Records a denial the caller reports itself (DeleteObjects' per-key errors):
// the log line and the counter authorize() gives.
void report_denial(RequestContext& ctx, std::string_view action, std::string_view bucket,
                   std::string_view key);

// The front door's question for the request's row: its action on the
// addressed bucket / key (no bucket under /_moss/), with s3:ListBucket's
// `prefix` parameter as s3:prefix. Nothing for rows without an action (they
// refuse everyone) or rows that authorize in their handler, except that an
// anonymous request is refused those here (AccessDenied): unsigned requests
// may only read objects marked public-read (docs/access-control.md). The Hub
// API's rows let anonymous requests through to their handlers, which ask for
// s3:GetObject on the very key they read.
void authorize_request(RequestContext& ctx);

}  // namespace moss::s3
