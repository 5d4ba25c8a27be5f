// The S3 front door: addresses each request, finds its row in the one route
// table (s3/route_table.h), authenticates it, runs the row's handler, renders
// any S3Error as the XML error response (JSON for the registry API), and
// writes the access log line and request metrics. It is the http layer's
// RequestHandler, and the one place that does these things, for rejected
// heads too.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>

#include "moss/hub/hub_protocol.h"
#include "moss/s3/exchange.h"
#include "moss/util/metrics.h"
#include "moss/s3/service_state.h"

namespace moss::s3 {

struct RequestContext;

class S3Service final : public ::moss::http::RequestHandler {
 public:
  S3Service(ServiceState state, Metrics& metrics);

  // Serves one request. Never throws: failures become S3 error responses, or
  // a connection marked for closing when the response had already begun.
  awaitable<void> handle(Exchange& ex) override;
  // A head the transport rejected: S3's error, logged and counted.
  ::moss::http::StringResponse reject(const ::moss::http::RejectedHead& rejected) override;
  std::string next_request_id() override;

  ServiceState& state() { return state_; }

 private:
  awaitable<void> process(RequestContext& ctx);
  // The Hub request a path-style request is (docs/huggingface.md): a path of
  // the Hub's shape whose first segment (`path_bucket`) is no existing bucket.
  std::optional<hub::HubPath> hub_request(std::string_view raw_path, std::string_view path_bucket);
  void log_request(const RequestContext& ctx, std::string_view error_code, double seconds);
  // Appends the request's audit event, if its operation leaves one
  // (s3/request_audit.h). The request's last step: its audit notes move out.
  void record_audit_event(RequestContext& ctx);

  ServiceState state_;
  Metrics& metrics_;
  std::string request_id_prefix_;
  std::atomic<uint64_t> request_counter_{0};
};

}  // namespace moss::s3
