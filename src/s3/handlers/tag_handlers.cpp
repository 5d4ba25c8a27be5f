// Model tags addressed as objects (docs/models.md): PUT <tag key> sets or
// moves the tag, GET/HEAD serve the file it resolves to through the same code
// as GetObject, GET ?moss-tag returns the tag document, DELETE removes it.
#include <nlohmann/json.hpp>

#include "moss/models/registry_documents.h"
#include "moss/models/tag_key.h"
#include "moss/util/offload.h"
#include "registry/json_responses.h"
#include "s3/handlers/handlers.h"
#include "s3/handlers/object_serving.h"
#include "s3/handlers/tag_requests.h"
#include "s3/model_errors.h"
#include "s3/responses.h"

namespace moss::s3 {
namespace {

models::TagKey tag_key_of(const RequestContext& ctx) {
  auto tag = models::parse_tag_key(ctx.key);
  if (!tag) throw S3Error(S3ErrorCode::kInternalError);  // routed here only for tag keys
  return *tag;
}

}  // namespace

awaitable<void> handle_put_tag(RequestContext& ctx) {
  const auto tag = tag_key_of(ctx);
  auto change = tag_change(ctx);
  std::string text = co_await read_tag_request_body(ctx);
  // The header wins over the body.
  if (ctx.has_header("x-moss-tag-target")) text = std::string(ctx.header("x-moss-tag-target"));
  auto targets = value_or_throw(models::parse_target_request(text));
  auto view = value_or_throw(co_await offload(ctx.service.long_work_pool(), [&] {
    return ctx.registry().set_tag(ctx.bucket, tag.model, tag.tag, targets, change);
  }));
  note_tag_change(ctx, ctx.bucket, tag.model, tag.tag, view.record.etag);
  auto head = ctx.response_head(http::status::ok);
  head.set(http::field::etag, "\"" + view.record.etag + "\"");
  co_await send_empty(ctx, std::move(head));
}

awaitable<void> handle_get_tag(RequestContext& ctx) {
  const auto tag = tag_key_of(ctx);
  const std::string client = client_id(ctx);
  if (ctx.op == Operation::kGetTagDocument) {
    auto view = value_or_throw(ctx.registry().get_tag(ctx.bucket, tag.model, tag.tag, client),
                               /*tag_as_key=*/true);
    auto head = ctx.response_head(http::status::ok);
    head.set(http::field::etag, "\"" + view.record.etag + "\"");
    co_return co_await send_json(ctx, std::move(head), models::tag_document(view));
  }

  auto open = ctx.registry().open(ctx.bucket, tag.model, tag.tag, client);
  if (!open) {
    S3Error e = to_s3_error(open.error(), /*tag_as_key=*/true);
    // A tag naming a directory is a folder, not a file: say which snapshot.
    if (auto r = ctx.registry().resolve(ctx.bucket, tag.model, tag.tag, client); r && r->snapshot) {
      e.header("x-moss-snapshot", r->snapshot->id);
    }
    throw e;
  }
  auto& opened = *open;
  const auto& resolved = opened.resolved;
  ctx.audit.tag_chain = resolved.chain;
  ctx.audit.resolved_key = resolved.file.key;
  ctx.audit.version_id = resolved.file.version_id;
  ctx.audit.sha256 = resolved.file.content_sha256;
  std::string chain;
  for (const auto& step : resolved.chain) {
    if (!chain.empty()) chain += '>';
    chain += header_safe(step);
  }
  auto head = ctx.response_head(http::status::ok);
  head.set("x-moss-resolved-key", header_safe(resolved.file.key));
  head.set("x-moss-resolved-version-id", resolved.file.version_id);
  head.set("x-moss-tag-chain", chain);
  if (!resolved.chosen_target.empty()) {
    head.set("x-moss-tag-target", header_safe(resolved.chosen_target));
  }
  head.set("x-moss-content-sha256", resolved.file.content_sha256);
  head.set("x-moss-tag-etag", "\"" + opened.tag_etag + "\"");
  co_await serve_object(ctx, opened.opened, std::move(head));
}

awaitable<void> handle_delete_tag(RequestContext& ctx) {
  const auto tag = tag_key_of(ctx);
  auto change = tag_change(ctx);
  auto deleted = co_await offload(*ctx.service.blocking, [&] {
    return ctx.registry().delete_tag(ctx.bucket, tag.model, tag.tag, change);
  });
  // As DeleteObject of a missing key, deleting a missing tag succeeds.
  if (!deleted && deleted.error().code != models::ModelErrc::kNoSuchTag) {
    throw to_s3_error(deleted.error());
  }
  if (deleted) note_tag_change(ctx, ctx.bucket, tag.model, tag.tag, "");
  co_await send_empty(ctx, ctx.response_head(http::status::no_content));
}

}  // namespace moss::s3
