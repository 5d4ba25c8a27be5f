// The registry API (registry_handlers.h). s3_service.cpp routes and
// authenticates before these run; each handler authorizes what it acts on
// (s3/authorization.h) as the S3 operation it mirrors would, since the bucket,
// model and tag come from the query, and shows only what the key may read.
#include "registry/registry_handlers.h"

#include <charconv>
#include <nlohmann/json.hpp>

#include "moss/models/registry_documents.h"
#include "moss/models/tag_key.h"
#include "moss/util/offload.h"
#include "registry/json_responses.h"
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

std::string required_param(const RequestContext& ctx, std::string_view name) {
  const std::string* value = ctx.param(name);
  if (!value || value->empty()) {
    throw S3Error(S3ErrorCode::kInvalidArgument,
                  "The query parameter " + std::string(name) + " is required.")
        .with("ArgumentName", std::string(name));
  }
  return *value;
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
  const std::string bucket = bucket_param(ctx);
  const std::string model = required_param(ctx, "model");
  const std::string tag = required_param(ctx, "tag");
  authorize(ctx, "s3:GetObject", bucket, models::tag_object_key(model, tag));
  auto view = value_or_throw(registry.get_tag(bucket, model, tag, client_id(ctx)));
  co_await send_json(ctx, tag_head(ctx, view), models::tag_document(view));
}

awaitable<void> handle_registry_put_tag(RequestContext& ctx) {
  auto& registry = ctx.registry();
  const std::string bucket = bucket_param(ctx);
  const std::string model = required_param(ctx, "model");
  const std::string tag = required_param(ctx, "tag");
  authorize(ctx, "s3:PutObject", bucket, models::tag_object_key(model, tag));
  auto change = tag_change(ctx);
  auto targets = value_or_throw(models::parse_target_request(co_await read_tag_request_body(ctx)));
  auto view = value_or_throw(co_await offload(*ctx.service.blocking, [&] {
    return registry.set_tag(bucket, model, tag, targets, change);
  }));
  co_await send_json(ctx, tag_head(ctx, view), models::tag_document(view));
}

awaitable<void> handle_registry_delete_tag(RequestContext& ctx) {
  auto& registry = ctx.registry();
  const std::string bucket = bucket_param(ctx);
  const std::string model = required_param(ctx, "model");
  const std::string tag = required_param(ctx, "tag");
  authorize(ctx, "s3:DeleteObject", bucket, models::tag_object_key(model, tag));
  auto change = tag_change(ctx);
  value_or_throw(co_await offload(*ctx.service.blocking,
                                  [&] { return registry.delete_tag(bucket, model, tag, change); }));
  co_await send_empty(ctx, ctx.response_head(http::status::no_content));
}

awaitable<void> handle_registry_tag_history(RequestContext& ctx) {
  auto& registry = ctx.registry();
  const std::string bucket = bucket_param(ctx);
  const std::string model = required_param(ctx, "model");
  const std::string tag = required_param(ctx, "tag");
  authorize(ctx, "s3:GetObject", bucket, models::tag_object_key(model, tag));
  auto entries = value_or_throw(registry.history(bucket, model, tag, kHistoryLimit));
  co_await send_json(ctx, ctx.response_head(http::status::ok),
                     models::history_document(bucket, model, tag, entries));
}

awaitable<void> handle_registry_tag_rollback(RequestContext& ctx) {
  auto& registry = ctx.registry();
  const std::string bucket = bucket_param(ctx);
  const std::string model = required_param(ctx, "model");
  const std::string tag = required_param(ctx, "tag");
  authorize(ctx, "s3:PutObject", bucket, models::tag_object_key(model, tag));
  const auto to = history_entry_param(ctx);
  auto change = tag_change(ctx);
  auto view = value_or_throw(co_await offload(
      *ctx.service.blocking, [&] { return registry.rollback(bucket, model, tag, to, change); }));
  co_await send_json(ctx, tag_head(ctx, view), models::tag_document(view));
}

awaitable<void> refuse_unknown_registry_path(RequestContext& ctx) {
  throw S3Error(S3ErrorCode::kNoSuchKey, "No registry API at /_moss/" + ctx.key + ".");
  co_return;
}

}  // namespace moss::s3
