#include "s3/authorization.h"

#include <spdlog/spdlog.h>

#include "moss/util/metrics.h"
#include "s3/auth/access_decision.h"
#include "s3/errors.h"
#include "s3/store_errors.h"

namespace moss::s3 {
namespace {

// The owner of `bucket`, only asked for keys without a policy.
std::optional<std::string> bucket_owner(RequestContext& ctx, std::string_view bucket) {
  if (bucket.empty() || ctx.auth.key.policy) return std::nullopt;
  auto found = ctx.store().get_bucket(bucket);
  if (!found) {
    if (found.error().code == store::StoreErrc::kNoSuchBucket) return std::nullopt;
    throw to_s3_error(found.error());
  }
  return found->owner;
}

// Whether the bucket, or the object version the request addresses, is marked
// public-read. Missing ones are not.
PublicMarks public_marks(RequestContext& ctx, std::string_view bucket, std::string_view key) {
  PublicMarks marks;
  auto found = ctx.store().get_bucket(bucket);
  if (!found) return marks;
  marks.bucket = found->public_read;
  if (marks.bucket) return marks;
  const std::string_view version_id = ctx.params.version_id.value_or(std::string_view());
  auto version = ctx.store().get_version(bucket, key, version_id);
  marks.object = version && !version->is_delete_marker && version->attributes.public_read;
  return marks;
}

AccessDecision decide(RequestContext& ctx, std::string_view action, std::string_view bucket,
                      std::string_view key, std::optional<std::string_view> prefix) {
  ctx.authorized = true;
  const AccessQuestion question{action, bucket, key, prefix};
  if (ctx.auth.anonymous) {
    const bool addressed = bucket == ctx.bucket && key == ctx.key;
    return decide_anonymous_access(
        question, addressed && anonymous_may_ask(action) && !bucket.empty() && !key.empty()
                      ? public_marks(ctx, bucket, key)
                      : PublicMarks{});
  }
  return decide_access(ctx.auth.key, question, bucket_owner(ctx, bucket));
}

void log_and_count_denial(RequestContext& ctx, std::string_view action,
                          const AccessDecision& decision) {
  spdlog::warn("access denied: request {} key {} ({}) action {} resource {}: {}", ctx.request_id,
               ctx.auth.key.name, ctx.auth.key.access_key_id, action, decision.resource,
               decision.reason);
  if (ctx.metrics) ctx.metrics->record_denial(action);
}

}  // namespace

void authorize(RequestContext& ctx, std::string_view action, std::string_view bucket,
               std::string_view key, std::optional<std::string_view> prefix) {
  const AccessDecision decision = decide(ctx, action, bucket, key, prefix);
  if (decision.allowed) return;
  log_and_count_denial(ctx, action, decision);
  throw S3Error(S3ErrorCode::kAccessDenied);
}

bool is_authorized(RequestContext& ctx, std::string_view action, std::string_view bucket,
                   std::string_view key) {
  return decide(ctx, action, bucket, key, std::nullopt).allowed;
}

void report_denial(RequestContext& ctx, std::string_view action, std::string_view bucket,
                   std::string_view key) {
  log_and_count_denial(ctx, action, decide(ctx, action, bucket, key, std::nullopt));
}

void authorize_request(RequestContext& ctx) {
  // An unsigned request is refused here whatever its row would do later (a
  // 501, the registry API, DeleteObjects' per-key answers): it may only read
  // what is public-read, which no such row serves.
  // The Hub API's handlers authorize anonymous reads themselves, of the key
  // they read, so that a public-read bucket serves anonymous Hub clients.
  const bool handler_decides_anonymous = ctx.route->hub_api && !ctx.action.empty();
  if (ctx.auth.anonymous && !handler_decides_anonymous &&
      (ctx.action.empty() || ctx.route->authorizes_in_handler)) {
    authorize(ctx, ctx.action.empty() ? ctx.route->name : ctx.action, {}, {}, std::nullopt);
  }
  if (ctx.action.empty() || ctx.route->authorizes_in_handler) return;
  // moss's own paths (/_moss/lifecycle/run) act on no bucket.
  const bool moss_path = ctx.bucket == kRegistryBucket;
  std::optional<std::string_view> prefix;
  if (ctx.action == "s3:ListBucket") {
    if (const std::string* p = ctx.param("prefix")) prefix = *p;
  }
  authorize(ctx, ctx.action, moss_path ? std::string_view() : std::string_view(ctx.bucket),
            moss_path ? std::string_view() : std::string_view(ctx.key), prefix);
}

}  // namespace moss::s3
