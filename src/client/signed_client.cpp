#include "moss/client/signed_client.h"

#include <ctime>

#include "moss/util/digest.h"

namespace moss::client {

SignedClient::SignedClient(ClientConfig config)
    : config_(std::move(config)), http_(config_.endpoint, config_.timeouts) {}

Result<HttpResponse, ClientError> SignedClient::send(const SignedCall& call,
                                                     const SinkChooser& choose_sink) {
  static const std::string kEmptyPayloadHash = sha256_hex("");
  HttpRequest request;
  request.method = call.method;
  const std::string query = build_query(call.query);
  request.target = query.empty() ? call.path : call.path + "?" + query;
  request.headers = call.headers;
  if (!config_.client_id.empty())
    request.headers.emplace_back("x-moss-client-id", config_.client_id);
  request.headers.emplace_back("Host", config_.endpoint.host_header());
  request.body = call.body;
  request.on_body_sent = call.on_body_sent;
  std::string payload_hash = call.payload_hash;
  if (payload_hash.empty()) {
    payload_hash = call.body ? std::string(kUnsignedPayload) : kEmptyPayloadHash;
  }
  sign_request(request.headers, call.method, call.path, query, payload_hash, config_.credentials,
               config_.region, static_cast<int64_t>(std::time(nullptr)));
  return http_.send(request, choose_sink);
}

}  // namespace moss::client
