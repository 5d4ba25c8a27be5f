#include "moss/client/registry_client.h"

#include "moss/util/digest.h"

namespace moss::client {

namespace {
constexpr const char* kTagPath = "/_moss/v1/tag";
}

RegistryClient::RegistryClient(ClientConfig config, std::string bucket)
    : client_(std::move(config)), bucket_(std::move(bucket)) {}

nlohmann::json tag_request_body(const std::vector<WeightedTarget>& targets) {
  if (targets.size() == 1 && targets[0].weight == 1) {
    return {{"target", targets[0].target}};
  }
  nlohmann::json list = nlohmann::json::array();
  for (const auto& t : targets) list.push_back({{"target", t.target}, {"weight", t.weight}});
  return {{"targets", std::move(list)}};
}

Result<nlohmann::json, ClientError> RegistryClient::call(const std::string& method,
                                                         const std::string& path, QueryList query,
                                                         const std::string& body, Headers headers) {
  StringSource source(body);
  SignedCall call{method, path, std::move(query), std::move(headers)};
  if (!body.empty()) {
    call.headers.emplace_back("Content-Type", "application/json");
    call.body = &source;
    call.payload_hash = sha256_hex(body);
  }
  auto response = client_.send(call);
  if (!response) return fail(response.error());
  if (response->status < 200 || response->status >= 300) {
    return fail(error_from_response(response->status, response->body,
                                    response->header("x-amz-request-id")));
  }
  if (response->body.empty()) return nlohmann::json();
  auto doc = nlohmann::json::parse(response->body, nullptr, false);
  if (doc.is_discarded()) {
    return fail(ClientError::protocol(method + " " + path +
                                      " answered with a body that is not "
                                      "JSON (is the endpoint a moss server?)"));
  }
  return doc;
}

Result<nlohmann::json, ClientError> RegistryClient::get_tag(const std::string& model,
                                                            const std::string& tag) {
  return call("GET", kTagPath, {{"bucket", bucket_}, {"model", model}, {"tag", tag}});
}

Result<nlohmann::json, ClientError> RegistryClient::set_tag(
    const std::string& model, const std::string& tag, const std::vector<WeightedTarget>& targets,
    const std::string& if_match) {
  Headers headers;
  if (!if_match.empty()) headers.emplace_back("If-Match", if_match);
  return call("PUT", kTagPath, {{"bucket", bucket_}, {"model", model}, {"tag", tag}},
              tag_request_body(targets).dump(), std::move(headers));
}

Result<void, ClientError> RegistryClient::delete_tag(const std::string& model,
                                                     const std::string& tag) {
  auto r = call("DELETE", kTagPath, {{"bucket", bucket_}, {"model", model}, {"tag", tag}});
  if (!r) return fail(r.error());
  return {};
}

Result<nlohmann::json, ClientError> RegistryClient::tag_history(const std::string& model,
                                                                const std::string& tag) {
  return call("GET", "/_moss/v1/tag/history",
              {{"bucket", bucket_}, {"model", model}, {"tag", tag}});
}

Result<nlohmann::json, ClientError> RegistryClient::rollback_tag(const std::string& model,
                                                                 const std::string& tag,
                                                                 std::optional<int64_t> to) {
  QueryList query{{"bucket", bucket_}, {"model", model}, {"tag", tag}};
  if (to) query.emplace_back("to", std::to_string(*to));
  return call("POST", "/_moss/v1/tag/rollback", std::move(query));
}

Result<nlohmann::json, ClientError> RegistryClient::list_models() {
  return call("GET", "/_moss/v1/models", {{"bucket", bucket_}});
}

Result<nlohmann::json, ClientError> RegistryClient::get_model(const std::string& name) {
  return call("GET", "/_moss/v1/model", {{"bucket", bucket_}, {"name", name}});
}

Result<nlohmann::json, ClientError> RegistryClient::audit(QueryList filters) {
  return call("GET", "/_moss/v1/audit", std::move(filters));
}

Result<nlohmann::json, ClientError> RegistryClient::hub_revision(const std::string& repo,
                                                                 const std::string& revision) {
  return call("GET", "/_moss/v1/hub/revision", {{"repo", repo}, {"revision", revision}});
}

Result<nlohmann::json, ClientError> RegistryClient::hub_fetch_file(const std::string& repo,
                                                                   const std::string& revision,
                                                                   const std::string& path) {
  return call("POST", "/_moss/v1/hub/file",
              {{"path", path}, {"repo", repo}, {"revision", revision}});
}

Result<nlohmann::json, ClientError> RegistryClient::hub_tag(const std::string& repo,
                                                            const std::string& revision) {
  return call("POST", "/_moss/v1/hub/tags", {{"repo", repo}, {"revision", revision}});
}

}  // namespace moss::client
