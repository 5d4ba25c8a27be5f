// Lifecycle: PutBucketLifecycleConfiguration, GetBucketLifecycleConfiguration,
// DeleteBucketLifecycle, and the admin operation that runs the worker now.
#include <nlohmann/json.hpp>

#include "moss/store/lifecycle_worker.h"
#include "moss/util/offload.h"
#include "moss/util/time_format.h"
#include "s3/handlers/configuration_body.h"
#include "s3/handlers/handlers.h"
#include "s3/handlers/lifecycle_configuration.h"
#include "s3/responses.h"
#include "s3/store_errors.h"

namespace moss::s3 {

awaitable<void> handle_put_bucket_lifecycle(RequestContext& ctx) {
  value_or_throw(ctx.store().get_bucket(ctx.bucket));
  // S3 requires an integrity check on this request, as on DeleteObjects.
  std::string xml = co_await read_configuration_body(ctx, true);
  auto rules = parse_lifecycle_configuration(xml);
  auto& store = ctx.store();
  value_or_throw(co_await offload(*ctx.service.blocking,
                                  [&] { return store.put_lifecycle(ctx.bucket, rules); }));
  co_await send_empty(ctx, ctx.response_head(http::status::ok));
}

awaitable<void> handle_get_bucket_lifecycle(RequestContext& ctx) {
  auto rules = value_or_throw(ctx.store().get_lifecycle(ctx.bucket));
  if (!rules) {
    throw S3Error(S3ErrorCode::kNoSuchLifecycleConfiguration).with("BucketName", ctx.bucket);
  }
  co_await send_xml(ctx, http::status::ok, render_lifecycle_configuration(*rules));
}

awaitable<void> handle_delete_bucket_lifecycle(RequestContext& ctx) {
  value_or_throw(co_await offload(*ctx.service.blocking,
                                  [&] { return ctx.store().delete_lifecycle(ctx.bucket); }));
  co_await send_no_content(ctx);
}

awaitable<void> handle_run_lifecycle(RequestContext& ctx) {
  store::LifecycleWorker* worker = ctx.service.lifecycle;
  if (!worker) {
    throw S3Error(S3ErrorCode::kServiceUnavailable, "The lifecycle worker is not running.");
  }
  auto stats =
      value_or_throw(co_await offload(ctx.service.long_work_pool(), [worker] { return worker->run(); }));
  nlohmann::json body = {
      {"clock", format_iso8601(stats.now_ns)},
      {"buckets", stats.buckets},
      {"noncurrent_versions_expired", stats.noncurrent_versions_expired},
      {"current_versions_expired", stats.current_versions_expired},
      {"delete_markers_removed", stats.delete_markers_removed},
      {"uploads_aborted", stats.uploads_aborted},
      {"snapshots_released", stats.snapshots_released},
      {"blobs_released", stats.blobs_released},
  };
  http::response<http::string_body> res(ctx.response_head(http::status::ok));
  res.set(http::field::content_type, "application/json");
  res.body() = body.dump() + "\n";
  res.prepare_payload();
  co_await ctx.ex.send(std::move(res));
}

}  // namespace moss::s3
