#include "moss/s3/s3_service.h"

#include <fmt/compile.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/system/system_error.hpp>
#include <chrono>
#include <cmath>
#include <iterator>

#include "hub/hub_errors.h"
#include "moss/audit/audit_log.h"
#include "moss/util/clock.h"
#include "moss/util/logging.h"
#include "moss/util/random_id.h"
#include "moss/util/uri.h"
#include "registry/json_responses.h"
#include "s3/addressing.h"
#include "s3/authorization.h"
#include "s3/errors.h"
#include "s3/names.h"
#include "s3/request_audit.h"
#include "s3/request_context.h"
#include "s3/responses.h"
#include "s3/route_table.h"

namespace moss::s3 {

S3Service::S3Service(ServiceState state, Metrics& metrics)
    : state_(std::move(state)), metrics_(metrics), request_id_prefix_(random_alnum(4, true)) {}

std::string S3Service::next_request_id() {
  // Unique per process and cheap: a random prefix and a counter, 16 characters
  // like S3's request ids.
  uint64_t n = request_counter_.fetch_add(1, std::memory_order_relaxed);
  return fmt::format(FMT_COMPILE("{}{:012X}"), request_id_prefix_, n & 0xFFFFFFFFFFFFull);
}

awaitable<void> S3Service::handle(Exchange& ex) {
  const auto started = std::chrono::steady_clock::now();
  metrics_.add_in_flight(1);
  RequestContext ctx{ex, state_};
  ctx.metrics = &metrics_;
  ctx.request_id = next_request_id();
  ctx.arrived_ns = now_unix_nanos();
  ctx.now_seconds = ctx.arrived_ns / 1'000'000'000;

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
    // The registry API answers in JSON, the Hub API as the Hub does, S3 in XML.
    auto res =
        ctx.route && ctx.route->hub_api
            ? hub_error_response(*error, ctx.request_id, ex.request().version(), ctx.auth.anonymous)
        : ctx.route && ctx.route->answers_in_json
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
  metrics_.record_request(ctx.operation_name(), ex.response_status(), seconds, ex.bytes_received(),
                          ex.bytes_sent());
  log_request(ctx,
              error              ? error->info().code
              : transport_failed ? std::string_view("ConnectionLost")
                                 : std::string_view(),
              seconds);
  record_audit_event(ctx);
}

void S3Service::record_audit_event(RequestContext& ctx) {
  if (!state_.audit_log || audit_kind(ctx.op).empty()) return;
  AuditedRequest request;
  request.op = ctx.op;
  request.time_ns = ctx.arrived_ns;
  request.key_name = ctx.auth.key.name;
  request.access_key_id = ctx.auth.key.access_key_id;
  request.remote = std::string(ctx.ex.remote_address());
  request.client_id_header = std::string(ctx.header("x-moss-client-id"));
  request.status = ctx.ex.response_status();
  request.bytes_sent = ctx.ex.bytes_sent();
  // The request's last use of these (handle() calls this last): moved, not copied.
  request.bucket = std::move(ctx.bucket);
  request.key = std::move(ctx.key);
  request.request_id = std::move(ctx.request_id);
  request.notes = std::move(ctx.audit);
  // Never waits for the disk: the log's writer thread batches and syncs.
  if (auto event = audit_event_for(std::move(request))) {
    state_.audit_log->append(std::move(*event));
  }
}

::moss::http::StringResponse S3Service::reject(const ::moss::http::RejectedHead& rejected) {
  using Reason = ::moss::http::RejectedHead::Reason;
  S3Error error(S3ErrorCode::kInvalidRequest,
                "The HTTP request could not be parsed: " + rejected.detail);
  std::string_view operation = "Malformed";
  if (rejected.reason == Reason::kHeaderTooLarge) {
    error = S3Error(S3ErrorCode::kRequestHeaderSectionTooLarge)
                .with("MaxSizeAllowed", std::to_string(rejected.max_header_bytes));
  } else if (rejected.reason == Reason::kTooManyConnections) {
    // SDKs retry SlowDown with backoff, which is what a full server needs.
    error =
        S3Error(S3ErrorCode::kSlowDown, "The server has as many connections open as it serves (" +
                                            std::to_string(rejected.max_connections) +
                                            "); please reduce your request rate.");
    operation = "TooManyConnections";
  }
  const std::string request_id = next_request_id();
  auto res = error_response(error, "/", request_id, 11);
  metrics_.record_request(operation, static_cast<int>(res.result_int()), 0, 0, 0);
  // The access log line every request gets.
  access_logger()->info(
      "\"request_id\":\"{}\",\"remote\":\"{}\",\"operation\":\"{}\",\"status\":{},"
      "\"error\":\"{}\",\"detail\":\"{}\"",
      request_id, json_escape(rejected.remote_address), operation, res.result_int(),
      error.info().code, json_escape(rejected.detail));
  return res;
}

namespace {

// An S3 object key as a request names it: at most 1024 bytes of UTF-8.
void check_object_key(std::string_view key) {
  if (key.size() > 1024) {
    throw S3Error(S3ErrorCode::kKeyTooLongError)
        .with("Size", std::to_string(key.size()))
        .with("MaxSizeAllowed", "1024");
  }
  if (!key.empty() && !is_valid_object_key(key)) {
    throw S3Error(S3ErrorCode::kInvalidURI, "Object keys must be valid UTF-8.");
  }
}

}  // namespace

std::optional<hub::HubPath> S3Service::hub_request(std::string_view raw_path,
                                                   std::string_view path_bucket) {
  if (!state_.config.hub.enabled || path_bucket.empty()) return std::nullopt;
  // Path-style only: a virtual-hosted request's first segment is a key.
  const size_t end = raw_path.find('/', 1);
  auto first = percent_decode(raw_path.substr(1, end == std::string_view::npos ? end : end - 1));
  if (!first || *first != path_bucket) return std::nullopt;
  auto hub = hub::parse_hub_path(raw_path);
  if (!hub) return std::nullopt;
  // An existing bucket keeps its keys: "/api/models/x" is an object of a
  // bucket named "api" if there is one.
  if (state_.store->get_bucket(path_bucket)) return std::nullopt;
  return hub;
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
  RouteMatch match;
  if (auto hub = hub_request(ctx.raw_path, address->bucket)) {
    // The Hub's paths: the repository is a model path of the Hub's bucket.
    ctx.hub = std::move(*hub);
    ctx.bucket = state_.config.hub.bucket;
    match = find_hub_route(req.method(), ctx.hub.endpoint);
  } else {
    ctx.bucket = std::move(address->bucket);
    ctx.key = std::move(address->key);
    if (ctx.bucket != kRegistryBucket) check_object_key(ctx.key);
    match = find_route(req, ctx.bucket, ctx.key, ctx.query);
  }
  ctx.route = match.route;
  ctx.op = match.route->operation;
  ctx.action = match.action();
  ctx.params = match.params;

  // A CORS preflight is unsigned by design; its handler only refuses.
  if (ctx.route->before_authentication) {
    co_await ctx.route->handler(ctx);
    co_return;
  }

  ctx.auth = state_.authenticator->authenticate(req, ctx.raw_path, ctx.raw_query, ctx.query,
                                                ctx.now_seconds);
  // A bearer token is for the clients that know no other scheme (Hugging
  // Face's); S3 and the registry API keep to signatures.
  if (ctx.auth.bearer && !ctx.route->hub_api) {
    throw S3Error(S3ErrorCode::kInvalidRequest,
                  "Bearer tokens are accepted by the Hugging Face Hub API only; sign S3 and "
                  "registry requests with Signature Version 4.");
  }

  // A SigV2 presigned URL signs the path and S3's subresources only, not the
  // registry API's query parameters (bucket, model, tag, to): a URL for one
  // tag could be pointed at another.
  if (ctx.bucket == kRegistryBucket && ctx.auth.signature_v2) {
    throw S3Error(S3ErrorCode::kAccessDenied,
                  "Signature Version 2 presigned URLs are not accepted for moss's own API "
                  "(/_moss/); presign with Signature Version 4.");
  }
  // Authorization, once for every request, before any handler runs: may
  // ctx.auth's key perform ctx.action on ctx.bucket / ctx.key? Rows marked
  // authorizes_in_handler ask from their handler, and must.
  authorize_request(ctx);

  co_await ctx.route->handler(ctx);
  if (ctx.route->authorizes_in_handler && !ctx.authorized) {
    spdlog::error("request {}: {} never asked for authorization", ctx.request_id, ctx.route->name);
    throw S3Error(S3ErrorCode::kAccessDenied);
  }
}

void S3Service::log_request(const RequestContext& ctx, std::string_view error_code,
                            double seconds) {
  auto logger = access_logger();
  if (!logger->should_log(spdlog::level::info)) return;
  const auto& req = ctx.ex.request();
  // fmt copies a string_view with memcpy, and an empty view may hold a null
  // pointer, which memcpy must not get (UBSan reports it).
  auto non_null = [](std::string_view s) { return s.data() ? s : std::string_view(""); };
  // Formatted with a format string compiled once (not parsed per request),
  // then handed to the logger as the finished message.
  // Milliseconds with three decimals from whole microseconds: fmt's
  // fixed-precision double formatting ("{:.3f}") takes its slow exact path
  // (format_dragon), about 1% of a small GET's CPU (perf).
  const int64_t duration_us = std::llround(seconds * 1e6);
  fmt::memory_buffer line;
  fmt::format_to(
      std::back_inserter(line),
      FMT_COMPILE(
          "\"request_id\":\"{}\",\"remote\":\"{}\",\"access_key\":\"{}\",\"method\":\"{}\","
          "\"operation\":\"{}\",\"bucket\":\"{}\",\"key\":\"{}\",\"status\":{},\"error\":\"{}\","
          "\"bytes_in\":{},\"bytes_out\":{},\"duration_ms\":{}.{:03}"),
      ctx.request_id, JsonEscaped{ctx.ex.remote_address()},
      JsonEscaped{ctx.auth.anonymous ? std::string_view("anonymous")
                                     : std::string_view(ctx.auth.key.access_key_id)},
      JsonEscaped{req.method_string()}, non_null(ctx.operation_name()), JsonEscaped{ctx.bucket},
      JsonEscaped{ctx.key}, ctx.ex.response_status(), non_null(error_code), ctx.ex.bytes_received(),
      ctx.ex.bytes_sent(), duration_us / 1000, duration_us % 1000);
  logger->info(std::string_view(line.data(), line.size()));
}

}  // namespace moss::s3
