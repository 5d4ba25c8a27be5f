// The registry API's side of Hub mirroring (docs/hub-mirror.md): what
// `moss mirror hf://REPO[@REV]` asks of a server started with --hf-upstream.
// Each needs moss:MirrorModel (or s3:PutObject) on the repo's path in the
// mirror's bucket: mirroring writes.
#pragma once

#include "s3/request_context.h"

namespace moss::s3 {

// GET v1/hub/revision?repo=&revision=: the upstream revision's commit and
// files, each with the key it is stored under and whether it is stored.
awaitable<void> handle_hub_mirror_revision(RequestContext& ctx);
// POST v1/hub/file?repo=&revision=&path=: the file fetched from the upstream
// unless stored (single-flight with every other request for it), then stored.
awaitable<void> handle_hub_mirror_file(RequestContext& ctx);
// POST v1/hub/tags?repo=&revision=: the revision's tags (its name, its commit
// id; "latest" for main) pointed at the snapshot of its stored files.
awaitable<void> handle_hub_mirror_tags(RequestContext& ctx);

}  // namespace moss::s3
