#include "moss/s3/s3_service.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/system/system_error.hpp>
#include <chrono>

#include "moss/util/clock.h"
#include "moss/util/logging.h"
#include "moss/util/random_id.h"
#include "registry/admin.h"
#include "registry/json_responses.h"
#include "s3/addressing.h"
#include "s3/errors.h"
#include "s3/handlers/handlers.h"
#include "s3/model_routes.h"
#include "s3/names.h"
#include "s3/request_context.h"
#include "s3/responses.h"

namespace moss::s3 {

S3Service::S3Service(ServiceState state, Metrics& metrics)
    : state_(std::move(state)), metrics_(metrics), request_id_prefix_(random_alnum(4, true)) {}

std::string S3Service::next_request_id() {
  // Unique per process and cheap: a random prefix and a counter, 16 characters
  // like S3's request ids.
  uint64_t n = request_counter_.fetch_add(1, std::memory_order_relaxed);
  return fmt::format("{}{:012X}", request_id_prefix_, n & 0xFFFFFFFFFFFFull);
}

awaitable<void> S3Service::handle(Exchange& ex) {
  const auto started = std::chrono::steady_clock::now();
  metrics_.add_in_flight(1);
  RequestContext ctx{ex, state_};
  ctx.request_id = next_request_id();
  ctx.now_seconds = now_unix_seconds();

  std::optional<S3Error> error;
  bool transport_failed = false;
  try {
    co_await process(ctx);
  } catch (const S3Error& e) {
    error = e;
  } catch (const boost::system::system_error& e) {
    // The connection failed under us (the client went away while we were
    // sending); there is nobody left to answer.
    spdlog::debug("request {} aborted: {}", ctx.request_id, e.code().message());
    ex.close_after_response();
    transport_failed = true;
  } catch (const std::exception& e) {
    spdlog::error("request {} failed: {}", ctx.request_id, e.what());
    error = S3Error(S3ErrorCode::kInternalError);
  }

  if (error && !ex.head_sent()) {
    // The registry API answers in JSON, S3 in XML.
    auto res = is_registry_operation(ctx.op)
                   ? json_error_response(*error, ctx.request_id, ex.request().version())
                   : error_response(*error, ctx.resource(), ctx.request_id, ex.request().version());
    if (ex.request().method() == http::verb::head) {
      // HEAD answers carry the status and headers only.
      res.body().clear();
      res.prepare_payload();
    }
    // An unread request body makes the connection unusable for the next request.
    if (!ex.body_complete()) ex.close_after_response();
    try {
      co_await ex.send(std::move(res));
    } catch (const std::exception&) {
      ex.close_after_response();
    }
  } else if (error || transport_failed) {
    // The response had begun; the only honest signal left is to cut it short.
    ex.close_after_response();
  }

  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  metrics_.add_in_flight(-1);
  metrics_.record_request(operation_name(ctx.op), ex.response_status(), seconds,
                          ex.bytes_received(), ex.bytes_sent());
  log_request(ctx,
              error              ? error->info().code
              : transport_failed ? std::string_view("ConnectionLost")
                                 : std::string_view(),
              seconds);
}

::moss::http::StringResponse S3Service::reject(const ::moss::http::RejectedHead& rejected) {
  using Reason = ::moss::http::RejectedHead::Reason;
  S3Error error = rejected.reason == Reason::kHeaderTooLarge
                      ? S3Error(S3ErrorCode::kRequestHeaderSectionTooLarge)
                            .with("MaxSizeAllowed", std::to_string(rejected.max_header_bytes))
                      : S3Error(S3ErrorCode::kInvalidRequest,
                                "The HTTP request could not be parsed: " + rejected.detail);
  const std::string request_id = next_request_id();
  auto res = error_response(error, "/", request_id, 11);
  metrics_.record_request("Malformed", static_cast<int>(res.result_int()), 0, 0, 0);
  // The access log line every request gets.
  access_logger()->info(
      "\"request_id\":\"{}\",\"remote\":\"{}\",\"operation\":\"Malformed\",\"status\":{},"
      "\"error\":\"{}\",\"detail\":\"{}\"",
      request_id, json_escape(rejected.remote_address), res.result_int(), error.info().code,
      json_escape(rejected.detail));
  return res;
}

awaitable<void> S3Service::process(RequestContext& ctx) {
  const auto& req = ctx.ex.request();
  std::string_view target = req.target();
  auto question = target.find('?');
  ctx.raw_path = std::string(target.substr(0, question));
  ctx.raw_query =
      question == std::string_view::npos ? std::string() : std::string(target.substr(question + 1));
  auto query = parse_query(ctx.raw_query);
  if (!query) throw S3Error(S3ErrorCode::kInvalidURI);
  ctx.query = std::move(*query);

  auto address = resolve_address(ctx.raw_path, req[http::field::host], state_.config.domain);
  if (!address) throw S3Error(S3ErrorCode::kInvalidURI);
  ctx.bucket = std::move(address->bucket);
  ctx.key = std::move(address->key);
  if (ctx.bucket == kRegistryBucket) {
    ctx.op = route_admin(req.method(), ctx.key);
    if (ctx.op == Operation::kUnknown) ctx.op = route_registry(req.method(), ctx.key);
    ctx.auth = state_.authenticator->authenticate(req, ctx.raw_path, ctx.raw_query, ctx.query,
                                                  ctx.now_seconds);
    if (!is_registry_operation(ctx.op)) co_return co_await dispatch(ctx);  // admin.h
    co_return co_await handle_registry(ctx);
  }
  if (ctx.key.size() > 1024) {
    throw S3Error(S3ErrorCode::kKeyTooLongError)
        .with("Size", std::to_string(ctx.key.size()))
        .with("MaxSizeAllowed", "1024");
  }
  if (!ctx.key.empty() && !is_valid_object_key(ctx.key)) {
    throw S3Error(S3ErrorCode::kInvalidURI, "Object keys must be valid UTF-8.");
  }

  ctx.op = route(req.method(), Target{!ctx.bucket.empty(), !ctx.key.empty()}, ctx.query, req);
  ctx.op = route_tag_key(ctx.op, ctx.key, ctx.query);
  ctx.auth = state_.authenticator->authenticate(req, ctx.raw_path, ctx.raw_query, ctx.query,
                                                ctx.now_seconds);
  co_await dispatch(ctx);
}

awaitable<void> S3Service::dispatch(RequestContext& ctx) {
  switch (ctx.op) {
    case Operation::kListBuckets:
      co_return co_await handle_list_buckets(ctx);
    case Operation::kCreateBucket:
      co_return co_await handle_create_bucket(ctx);
    case Operation::kDeleteBucket:
      co_return co_await handle_delete_bucket(ctx);
    case Operation::kHeadBucket:
      co_return co_await handle_head_bucket(ctx);
    case Operation::kGetBucketLocation:
      co_return co_await handle_get_bucket_location(ctx);
    case Operation::kListObjects:
    case Operation::kListObjectsV2:
      co_return co_await handle_list_objects(ctx);
    case Operation::kDeleteObjects:
      co_return co_await handle_delete_objects(ctx);
    case Operation::kPutObject:
      co_return co_await handle_put_object(ctx);
    case Operation::kCopyObject:
      co_return co_await handle_copy_object(ctx);
    case Operation::kGetObject:
    case Operation::kHeadObject:
      co_return co_await handle_get_object(ctx);
    case Operation::kDeleteObject:
      co_return co_await handle_delete_object(ctx);
    case Operation::kCreateMultipartUpload:
      co_return co_await handle_create_multipart_upload(ctx);
    case Operation::kUploadPart:
      co_return co_await handle_upload_part(ctx);
    case Operation::kUploadPartCopy:
      co_return co_await handle_upload_part_copy(ctx);
    case Operation::kCompleteMultipartUpload:
      co_return co_await handle_complete_multipart_upload(ctx);
    case Operation::kAbortMultipartUpload:
      co_return co_await handle_abort_multipart_upload(ctx);
    case Operation::kListParts:
      co_return co_await handle_list_parts(ctx);
    case Operation::kListMultipartUploads:
      co_return co_await handle_list_multipart_uploads(ctx);
    case Operation::kPutTag:
      co_return co_await handle_put_tag(ctx);
    case Operation::kGetTag:
    case Operation::kHeadTag:
    case Operation::kGetTagDocument:
      co_return co_await handle_get_tag(ctx);
    case Operation::kDeleteTag:
      co_return co_await handle_delete_tag(ctx);
    case Operation::kGetBucketVersioning:
      co_return co_await handle_get_bucket_versioning(ctx);
    case Operation::kPutBucketVersioning:
      co_return co_await handle_put_bucket_versioning(ctx);
    case Operation::kListObjectVersions:
      co_return co_await handle_list_object_versions(ctx);
    case Operation::kGetBucketLifecycle:
      co_return co_await handle_get_bucket_lifecycle(ctx);
    case Operation::kPutBucketLifecycle:
      co_return co_await handle_put_bucket_lifecycle(ctx);
    case Operation::kDeleteBucketLifecycle:
      co_return co_await handle_delete_bucket_lifecycle(ctx);
    case Operation::kRunLifecycle:
      co_return co_await handle_run_lifecycle(ctx);
    case Operation::kMethodNotAllowed:
      throw S3Error(S3ErrorCode::kMethodNotAllowed);
    default:
      break;
  }
  throw S3Error(S3ErrorCode::kNotImplemented,
                std::string(operation_name(ctx.op)) + " is not implemented by this server.");
}

void S3Service::log_request(const RequestContext& ctx, std::string_view error_code,
                            double seconds) {
  auto logger = access_logger();
  if (!logger->should_log(spdlog::level::info)) return;
  const auto& req = ctx.ex.request();
  logger->info(
      "\"request_id\":\"{}\",\"remote\":\"{}\",\"access_key\":\"{}\",\"method\":\"{}\","
      "\"operation\":\"{}\",\"bucket\":\"{}\",\"key\":\"{}\",\"status\":{},\"error\":\"{}\","
      "\"bytes_in\":{},\"bytes_out\":{},\"duration_ms\":{:.3f}",
      ctx.request_id, json_escape(ctx.ex.remote_address()), json_escape(ctx.auth.key.access_key_id),
      json_escape(req.method_string()), operation_name(ctx.op), json_escape(ctx.bucket),
      json_escape(ctx.key), ctx.ex.response_status(), error_code, ctx.ex.bytes_received(),
      ctx.ex.bytes_sent(), seconds * 1000);
}

}  // namespace moss::s3
