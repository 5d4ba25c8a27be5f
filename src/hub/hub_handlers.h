// The Hugging Face Hub read API's handlers (docs/huggingface.md), one per row
// of the route table (s3/route_table.cpp). The request's repository, revision
// and path are in RequestContext::hub; each handler asks for s3:GetObject on
// the folder key of what it reads (hub_revision.h) before it resolves
// anything, so a key that may not read a repository learns nothing of it.
#pragma once

#include "s3/request_context.h"

namespace moss::s3 {

// GET and HEAD /{repo}/resolve/{revision}/{path}: the file's bytes through
// the object-serving path (Range, conditionals, sendfile), with X-Repo-Commit,
// ETag and X-Linked-Etag (the SHA-256) and X-Linked-Size.
awaitable<void> handle_hub_file(RequestContext& ctx);
// GET /api/models/{repo}[/revision/{revision}]: id, sha, private,
// lastModified, siblings (with ?blobs=true their size and lfs).
awaitable<void> handle_hub_model_info(RequestContext& ctx);
// GET /api/models/{repo}/tree/{revision}[/{path}]?recursive=&expand=&cursor=,
// paginated with a Link rel="next" header.
awaitable<void> handle_hub_tree(RequestContext& ctx);
// POST /api/models/{repo}/paths-info/{revision}: form-encoded or JSON
// {"paths": [...], "expand": bool}; the entries of the paths that exist.
awaitable<void> handle_hub_paths_info(RequestContext& ctx);
// GET /api/models/{repo}/refs: every tag the key may read as a branch, and
// "main" for the default tag.
awaitable<void> handle_hub_refs(RequestContext& ctx);

}  // namespace moss::s3
