// The registry API's handlers (docs/models.md, "Registry API"), one per row of
// the route table (s3/route_table.cpp): JSON over HTTP under /_moss/v1/,
// authenticated with SigV4 like S3, errors as JSON (json_responses.h).
#pragma once

#include "s3/request_context.h"

namespace moss::s3 {

awaitable<void> handle_registry_list_models(RequestContext& ctx);   // GET v1/models
awaitable<void> handle_registry_get_model(RequestContext& ctx);     // GET v1/model
awaitable<void> handle_registry_get_tag(RequestContext& ctx);       // GET v1/tag
awaitable<void> handle_registry_put_tag(RequestContext& ctx);       // PUT v1/tag
awaitable<void> handle_registry_delete_tag(RequestContext& ctx);    // DELETE v1/tag
awaitable<void> handle_registry_tag_history(RequestContext& ctx);   // GET v1/tag/history
awaitable<void> handle_registry_tag_rollback(RequestContext& ctx);  // POST v1/tag/rollback
// GET v1/audit: the audit trail (docs/audit.md), filtered by model, bucket,
// tag, key, kind, since, until; limit and order (newest, oldest).
awaitable<void> handle_registry_audit(RequestContext& ctx);

// A path under /_moss/ that names nothing: 404.
awaitable<void> refuse_unknown_registry_path(RequestContext& ctx);

}  // namespace moss::s3
