// Everything a handler needs about the request it serves and the services it
// may use. Built by the dispatcher (s3_service.cpp) after addressing, routing
// and authentication succeeded.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "moss/hub/hub_protocol.h"
#include "moss/s3/authenticator.h"
#include "moss/s3/exchange.h"
#include "moss/s3/service_state.h"
#include "moss/store/object_store.h"
#include "moss/util/metrics.h"
#include "moss/util/uri.h"
#include "s3/query_params.h"
#include "s3/request_audit.h"
#include "s3/route_table.h"

namespace moss::s3 {

struct RequestContext {
  Exchange& ex;
  ServiceState& service;
  std::string request_id;
  // The route table's row for this request (null until routed), its operation,
  // the permission it needs, and the query parameters handlers share.
  const Route* route = nullptr;
  Operation op = Operation::kUnknown;
  std::string_view action;
  RouteParams params;
  std::string bucket;  // decoded
  std::string key;     // decoded
  std::string raw_path;
  std::string raw_query;
  QueryParams query;
  // A Hugging Face Hub request (route->hub_api): the repository, revision
  // and path its URL names; `bucket` is then the Hub's bucket.
  hub::HubPath hub;
  AuthResult auth;
  // Whether the request asked s3/authorization.h anything: a row that
  // authorizes in its handler may not answer before it has.
  bool authorized = false;
  int64_t now_seconds = 0;
  int64_t arrived_ns = 0;  // Unix nanoseconds: the audit event's time
  // What the handler learned for the audit trail (s3/request_audit.h).
  AuditNotes audit;
  Metrics* metrics = nullptr;  // for counting denials; null in some tests

  store::ObjectStore& store() { return *service.store; }
  models::ModelRegistry& registry() { return *service.registry; }
  const ServiceConfig& config() const { return service.config; }
  const RequestHead& request() const { return ex.request(); }
  std::string_view header(std::string_view name) const { return ex.request()[name]; }
  bool has_header(std::string_view name) const {
    return ex.request().find(name) != ex.request().end();
  }
  const std::string* param(std::string_view name) const { return find_param(query, name); }

  // The name in access logs and metrics: the row's, "Unknown" before routing.
  std::string_view operation_name() const { return route ? route->name : "Unknown"; }
  // "/bucket/key" as S3 names the resource in error bodies.
  std::string resource() const;
  // A response head carrying the request id and server name. Throws
  // AccessDenied for a row that authorizes in its handler and has not
  // (s3/authorization.h): such a row fails closed.
  ResponseHead response_head(http::status status) const;
};

}  // namespace moss::s3
