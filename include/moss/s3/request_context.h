// Everything a handler needs about the request it serves and the services it
// may use. Built by the dispatcher (s3_service.cpp) after addressing, routing
// and authentication succeeded.
#pragma once

#include <boost/asio/thread_pool.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "moss/s3/authenticator.h"
#include "moss/s3/exchange.h"
#include "moss/s3/router.h"
#include "moss/store/object_store.h"
#include "moss/util/uri.h"

namespace moss::models {
class ContentHasher;
class ModelRegistry;
}
namespace moss::store {
class LifecycleWorker;
}

namespace moss::s3 {

struct ServiceConfig {
  std::string region = "us-east-1";
  // Virtual-hosted-style addressing (bucket.DOMAIN) when not empty.
  std::string domain;
  // S3's limit for a single PUT; larger objects need a multipart upload.
  uint64_t max_put_size = 5ull << 30;
  // Bytes moved per read/write on the upload path.
  size_t io_buffer_size = 1 << 20;
};

// Long-lived services shared by all requests.
struct ServiceState {
  ServiceConfig config;
  store::ObjectStore* store = nullptr;
  boost::asio::thread_pool* blocking = nullptr;  // fsync, commits
  Authenticator* authenticator = nullptr;
  models::ModelRegistry* registry = nullptr;  // tags and the registry API
  models::ContentHasher* content_hasher = nullptr;  // SHA-256 of completed uploads
  store::LifecycleWorker* lifecycle = nullptr;  // POST /_moss/lifecycle/run
};

struct RequestContext {
  Exchange& ex;
  ServiceState& service;
  std::string request_id;
  Operation op = Operation::kUnknown;
  std::string bucket;  // decoded
  std::string key;     // decoded
  std::string raw_path;
  std::string raw_query;
  QueryParams query;
  AuthResult auth;
  int64_t now_seconds = 0;

  store::ObjectStore& store() { return *service.store; }
  models::ModelRegistry& registry() { return *service.registry; }
  const ServiceConfig& config() const { return service.config; }
  const RequestHead& request() const { return ex.request(); }
  std::string_view header(std::string_view name) const { return ex.request()[name]; }
  bool has_header(std::string_view name) const {
    return ex.request().find(name) != ex.request().end();
  }
  const std::string* param(std::string_view name) const { return find_param(query, name); }

  // "/bucket/key" as S3 names the resource in error bodies.
  std::string resource() const;
  // A response head carrying the request id and server name.
  ResponseHead response_head(http::status status) const;
};

}  // namespace moss::s3
