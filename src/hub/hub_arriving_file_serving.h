// Answering a Hub file request with a file while it arrives from the upstream
// (docs/hub-mirror.md, "Streaming"): the head at once (Content-Length the
// upstream's size, ETag its LFS SHA-256, X-Repo-Commit the upstream commit),
// then the bytes of the requested range straight from the transfer's temporary
// file as they are written, waiting for more on a timer of the request's own
// executor. The last byte of the file is held back until the transfer has
// verified and stored the file; a transfer that fails or does not verify cuts
// the response (the connection closes before Content-Length bytes), so no
// client takes a truncated or wrong file as complete.
#pragma once

#include "moss/hub_mirror/arriving_file.h"
#include "s3/request_context.h"

namespace moss::s3 {

// `arriving` must state an LFS SHA-256 (its entity tag before it is stored).
awaitable<void> serve_arriving_file(RequestContext& ctx, const hub_mirror::ArrivingFile& arriving);

}  // namespace moss::s3
