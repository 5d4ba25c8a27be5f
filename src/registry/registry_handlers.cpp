// The registry API (registry_handlers.h). s3_service.cpp routes and
// authenticates before these run; each handler authorizes what it acts on
// (s3/authorization.h) as the S3 operation it mirrors would, since the bucket,
// model and tag come from the query, and shows only what the key may read.
#include "registry/registry_handlers.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <nlohmann/json.hpp>

#include "moss/audit/audit_log.h"
#include "moss/audit/audit_query.h"
#include "moss/models/registry_documents.h"
#include "moss/models/tag_key.h"
#include "moss/util/duration.h"
#include "moss/util/offload.h"
#include "moss/util/time_format.h"
#include "registry/json_responses.h"
#include "registry/registry_params.h"
#include "s3/authorization.h"
#include "s3/handlers/tag_requests.h"
#include "s3/model_errors.h"
#include "s3/responses.h"

namespace moss::s3 {
namespace {

constexpr std::string_view kDefaultBucket = "models";
constexpr int kHistoryLimit = 1000;

std::string bucket_param(const RequestContext& ctx) {
  const std::string* b = ctx.param("bucket");
  return b && !b->empty() ? *b : std::string(kDefaultBucket);
}

// The tag a tag request names: ?bucket= (default "models"), ?model=, ?tag=.
struct TagAddress {
  std::string bucket;
  std::string model;
  std::string tag;
};

TagAddress tag_address(const RequestContext& ctx) {
  return {bucket_param(ctx), required_param(ctx, "model"), required_param(ctx, "tag")};
}

std::optional<int64_t> history_entry_param(const RequestContext& ctx) {
  const std::string* to = ctx.param("to");
  if (!to) return std::nullopt;
  int64_t n = 0;
  auto [p, ec] = std::from_chars(to->data(), to->data() + to->size(), n);
  if (ec != std::errc() || p != to->data() + to->size() || n < 1) {
    throw S3Error(S3ErrorCode::kInvalidArgument, "to must be a history entry number (1, 2, ...).")
        .with("ArgumentName", "to")
        .with("ArgumentValue", *to);
  }
  return n;
}

// The tag a change addresses, for its audit event even when the change fails.
void note_tag_addressed(RequestContext& ctx, const std::string& bucket, const std::string& model,
                        const std::string& tag) {
  ctx.audit.bucket = bucket;
  ctx.audit.key = models::tag_object_key(model, tag);
}

// The tag a read names, once the key may read through it (s3:GetObject).
TagAddress tag_to_read(RequestContext& ctx) {
  TagAddress address = tag_address(ctx);
  authorize(ctx, "s3:GetObject", address.bucket,
            models::tag_object_key(address.model, address.tag));
  return address;
}

// The tag a change names, noted for the audit trail (a refused change is
// recorded too), once the key may perform `action` on it.
TagAddress tag_to_change(RequestContext& ctx, std::string_view action) {
  TagAddress address = tag_address(ctx);
  note_tag_addressed(ctx, address.bucket, address.model, address.tag);
  authorize(ctx, action, address.bucket, models::tag_object_key(address.model, address.tag));
  return address;
}

// since= / until=: RFC 3339 ("2026-12-05T19:00:00Z") or a duration back from
// now ("24h": since 24 hours ago).
std::optional<int64_t> time_param(const RequestContext& ctx, std::string_view name) {
  const std::string* text = ctx.param(name);
  if (!text || text->empty()) return std::nullopt;
  if (auto seconds = parse_iso8601(*text)) return *seconds * 1'000'000'000;
  if (auto back = parse_duration(*text)) {
    return ctx.arrived_ns - std::chrono::duration_cast<std::chrono::nanoseconds>(*back).count();
  }
  throw S3Error(S3ErrorCode::kInvalidArgument,
                std::string(name) +
                    " must be an RFC 3339 time (2026-12-05T19:00:00Z) or a "
                    "duration back from now (24h, 7d, 90m).")
      .with("ArgumentName", std::string(name))
      .with("ArgumentValue", *text);
}

AuditFilter audit_filter(const RequestContext& ctx) {
  AuditFilter filter;
  auto text = [&](std::string_view name) {
    const std::string* value = ctx.param(name);
    return value ? *value : std::string();
  };
  filter.model = text("model");
  filter.bucket = text("bucket");
  filter.tag = text("tag");
  filter.key_name = text("key");
  filter.kind = text("kind");
  filter.since_ns = time_param(ctx, "since");
  filter.until_ns = time_param(ctx, "until");
  if (const std::string* limit = ctx.param("limit")) {
    size_t n = 0;
    auto [p, ec] = std::from_chars(limit->data(), limit->data() + limit->size(), n);
    if (ec != std::errc() || p != limit->data() + limit->size() || n < 1) {
      throw S3Error(S3ErrorCode::kInvalidArgument, "limit must be a positive number (at most " +
                                                       std::to_string(kMaxAuditQueryLimit) + ").")
          .with("ArgumentName", "limit")
          .with("ArgumentValue", *limit);
    }
    filter.limit = std::min(n, kMaxAuditQueryLimit);
  }
  const std::string order = text("order");
  if (order == "oldest") {
    filter.order = AuditOrder::kOldestFirst;
  } else if (!order.empty() && order != "newest") {
    throw S3Error(S3ErrorCode::kInvalidArgument, "order must be newest or oldest.")
        .with("ArgumentName", "order")
        .with("ArgumentValue", order);
  }
  return filter;
}

// Leaves in `model` only what the key may read: the tags it may read through
// (s3:GetObject on the tag key) and the files it may get (s3:GetObject on the
// file's key). False when nothing is left: the model is not shown at all.
bool keep_readable(RequestContext& ctx, models::ModelView& model) {
  std::erase_if(model.tags, [&](const models::TagView& t) {
    return !is_authorized(ctx, "s3:GetObject", model.bucket, t.record.key);
  });
  std::erase_if(model.files, [&](const store::ObjectVersion& f) {
    return !is_authorized(ctx, "s3:GetObject", model.bucket, f.key);
  });
  return !model.tags.empty() || !model.files.empty();
}

ResponseHead tag_head(const RequestContext& ctx, const models::TagView& view) {
  auto head = ctx.response_head(http::status::ok);
  head.set(http::field::etag, "\"" + view.record.etag + "\"");
  return head;
}

}  // namespace

awaitable<void> handle_registry_list_models(RequestContext& ctx) {
  auto& registry = ctx.registry();
  const std::string bucket = bucket_param(ctx);
  const std::string client = client_id(ctx);
  authorize(ctx, "s3:ListBucket", bucket);
  auto models = value_or_throw(co_await offload(
      *ctx.service.blocking, [&] { return registry.list_models(bucket, client); }));
  std::erase_if(models, [&](models::ModelView& m) { return !keep_readable(ctx, m); });
  co_await send_json(ctx, ctx.response_head(http::status::ok),
                     models::models_document(bucket, models));
}

awaitable<void> handle_registry_get_model(RequestContext& ctx) {
  auto& registry = ctx.registry();
  const std::string bucket = bucket_param(ctx);
  const std::string name = required_param(ctx, "name");
  const std::string client = client_id(ctx);
  authorize(ctx, "s3:ListBucket", bucket, {}, name + "/");
  auto model = value_or_throw(co_await offload(
      *ctx.service.blocking, [&] { return registry.get_model(bucket, name, client); }));
  if (!keep_readable(ctx, model)) {
    authorize(ctx, "s3:GetObject", bucket, name + "/");  // nothing readable: denied
  }
  co_await send_json(ctx, ctx.response_head(http::status::ok), models::model_document(model));
}

awaitable<void> handle_registry_get_tag(RequestContext& ctx) {
  auto& registry = ctx.registry();
  const auto [bucket, model, tag] = tag_to_read(ctx);
  auto view = value_or_throw(registry.get_tag(bucket, model, tag, client_id(ctx)));
  co_await send_json(ctx, tag_head(ctx, view), models::tag_document(view));
}

awaitable<void> handle_registry_put_tag(RequestContext& ctx) {
  auto& registry = ctx.registry();
  const auto [bucket, model, tag] = tag_to_change(ctx, "s3:PutObject");
  auto change = tag_change(ctx);
  auto targets = value_or_throw(models::parse_target_request(co_await read_tag_request_body(ctx)));
  auto view = value_or_throw(co_await offload(ctx.service.long_work_pool(), [&] {
    return registry.set_tag(bucket, model, tag, targets, change);
  }));
  note_tag_change(ctx, bucket, model, tag, view.record.etag);
  co_await send_json(ctx, tag_head(ctx, view), models::tag_document(view));
}

awaitable<void> handle_registry_delete_tag(RequestContext& ctx) {
  auto& registry = ctx.registry();
  const auto [bucket, model, tag] = tag_to_change(ctx, "s3:DeleteObject");
  auto change = tag_change(ctx);
  value_or_throw(co_await offload(*ctx.service.blocking,
                                  [&] { return registry.delete_tag(bucket, model, tag, change); }));
  note_tag_change(ctx, bucket, model, tag, "");
  co_await send_empty(ctx, ctx.response_head(http::status::no_content));
}

awaitable<void> handle_registry_tag_history(RequestContext& ctx) {
  auto& registry = ctx.registry();
  const auto [bucket, model, tag] = tag_to_read(ctx);
  auto entries = value_or_throw(registry.history(bucket, model, tag, kHistoryLimit));
  co_await send_json(ctx, ctx.response_head(http::status::ok),
                     models::history_document(bucket, model, tag, entries));
}

awaitable<void> handle_registry_tag_rollback(RequestContext& ctx) {
  auto& registry = ctx.registry();
  const auto [bucket, model, tag] = tag_to_change(ctx, "s3:PutObject");
  const auto to = history_entry_param(ctx);
  auto change = tag_change(ctx);
  // A rollback scans the tag's history and, like a tag set, hashes a
  // recorded file that has no SHA-256 yet: long work, off the blocking pool.
  auto view = value_or_throw(co_await offload(ctx.service.long_work_pool(), [&] {
    return registry.rollback(bucket, model, tag, to, change);
  }));
  note_tag_change(ctx, bucket, model, tag, view.record.etag);
  co_await send_json(ctx, tag_head(ctx, view), models::tag_document(view));
}

awaitable<void> handle_registry_audit(RequestContext& ctx) {
  // Reading the trail is moss:ReadAudit's, and an administrator's (moss:Admin).
  if (!is_authorized(ctx, "moss:ReadAudit", {}, {})) authorize(ctx, "moss:Admin", {}, {});
  const AuditFilter filter = audit_filter(ctx);
  AuditLog* log = ctx.service.audit_log;
  if (!log) {
    throw S3Error(S3ErrorCode::kInvalidRequest,
                  "The audit trail is off on this server (moss serve --audit-log off).");
  }
  // Events of requests answered before this one are on disk before it reads.
  auto result = co_await offload(*ctx.service.blocking, [&] {
    (void)log->flush();
    return query_audit_log(log->directory(), filter);
  });
  http::response<http::string_body> res(ctx.response_head(http::status::ok));
  res.set(http::field::content_type, "application/json");
  res.body() = render_audit_json(result);
  res.prepare_payload();
  co_await ctx.ex.send(std::move(res));
}

awaitable<void> refuse_unknown_registry_path(RequestContext& ctx) {
  throw S3Error(S3ErrorCode::kNoSuchKey, "No registry API at /_moss/" + ctx.key + ".");
  co_return;
}

}  // namespace moss::s3
