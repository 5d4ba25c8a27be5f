// A Hub API file request for what this server does not hold, fetched from the
// Hub it mirrors (docs/hub-mirror.md): the revision's file is fetched once
// (single-flight with every other request for it), stored, and the revision's
// tags moved to the snapshot holding it; the request is then served from the
// store like any other. Any key that may read the repo may cause the fetch
// (one download for the whole cluster); the fetch is audited under its name.
#pragma once

#include "s3/request_context.h"

namespace moss::s3 {

// Whether the server mirrors a Hub and may ask it now (not --hf-offline).
bool may_fetch_from_upstream(const RequestContext& ctx);

// Fetches ctx.hub.revision's file `path` of ctx.hub.repo. Throws the
// upstream's refusal as the Hub words it (its status and X-Error-Code), or
// 502 BadGateway when it cannot be reached or its bytes do not verify.
awaitable<void> fetch_from_upstream(RequestContext& ctx, const std::string& path);

}  // namespace moss::s3
