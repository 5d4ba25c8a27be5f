// An HttpClient whose every request is signed with SigV4 for one endpoint,
// key and region: what the S3 and registry clients send through.
// Not thread-safe (one connection): one per thread.
#pragma once

#include <functional>
#include <string>

#include "moss/client/endpoint.h"
#include "moss/client/http_client.h"
#include "moss/client/request_signer.h"

namespace moss::client {

struct ClientConfig {
  Endpoint endpoint;
  Credentials credentials;
  std::string region = "us-east-1";
  HttpTimeouts timeouts;
  // Sent as x-moss-client-id on every request when not empty: who this client
  // is in the server's audit trail and for weighted tags.
  std::string client_id;
};

struct SignedCall {
  std::string method;
  std::string path;  // encoded, from object_path() or a registry path
  QueryList query;
  Headers headers;
  BodySource* body = nullptr;
  // Empty: the hash of the empty payload without a body, UNSIGNED-PAYLOAD with one.
  std::string payload_hash;
  std::function<void(uint64_t)> on_body_sent;
};

class SignedClient {
 public:
  explicit SignedClient(ClientConfig config);

  // Any HTTP status is a response; see HttpClient::send.
  Result<HttpResponse, ClientError> send(const SignedCall& call,
                                         const SinkChooser& choose_sink = {});

  const ClientConfig& config() const { return config_; }

 private:
  ClientConfig config_;
  HttpClient http_;
};

}  // namespace moss::client
