// A Hub API file request for what this server does not hold, fetched from the
// Hub it mirrors (docs/hub-mirror.md): the revision's file is fetched once
// (single-flight with every other request for it), stored, and the revision's
// tags moved to the snapshot holding it. Any key that may read the repo may
// cause the fetch (one download for the whole cluster); the fetch is audited
// under its name. While the transfer runs, the requests that started or joined
// it may send its bytes on as they arrive (hub_arriving_file_serving.h).
#pragma once

#include <memory>

#include "moss/hub_mirror/arriving_file.h"
#include "s3/errors.h"
#include "s3/request_context.h"

namespace moss::s3 {

// Whether the server mirrors a Hub and may ask it now (not --hf-offline).
bool may_fetch_from_upstream(const RequestContext& ctx);

// Starts (or joins) fetching ctx.hub.revision's file `path` of ctx.hub.repo.
// Null when the file is stored and tagged now (serve it from the store), else
// the file arriving. Throws the upstream's refusal as the Hub words it (its
// status and X-Error-Code), or 502 BadGateway when it cannot be reached.
awaitable<std::shared_ptr<hub_mirror::ArrivingFile>> fetch_from_upstream(RequestContext& ctx,
                                                                         const std::string& path);

// Waits, on the request's own executor, until `arriving` is stored (and
// tagged); throws as fetch_from_upstream does when its transfer failed or its
// bytes did not verify.
awaitable<void> wait_until_stored(const hub_mirror::ArrivingFile& arriving);

// The transfer's failure as the Hub words it.
S3Error upstream_refusal(const hub_mirror::UpstreamError& error);

}  // namespace moss::s3
