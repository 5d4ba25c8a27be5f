// The registry API (docs/models.md, "Registry API") over one signed
// connection: tags, their history and rollback, models. Answers are the
// server's JSON documents, returned as parsed JSON for the caller to show.
// Not thread-safe: one per thread.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "moss/client/signed_client.h"

namespace moss::client {

struct WeightedTarget {
  std::string target;
  int64_t weight = 1;
};

class RegistryClient {
 public:
  RegistryClient(ClientConfig config, std::string bucket);

  Result<nlohmann::json, ClientError> get_tag(const std::string& model, const std::string& tag);
  // One target: {"target": T}; several: {"targets": [...]} with weights.
  // `if_match` (a tag ETag) makes the move conditional (412 otherwise).
  Result<nlohmann::json, ClientError> set_tag(const std::string& model, const std::string& tag,
                                              const std::vector<WeightedTarget>& targets,
                                              const std::string& if_match = "");
  Result<void, ClientError> delete_tag(const std::string& model, const std::string& tag);
  Result<nlohmann::json, ClientError> tag_history(const std::string& model, const std::string& tag);
  Result<nlohmann::json, ClientError> rollback_tag(const std::string& model, const std::string& tag,
                                                   std::optional<int64_t> to);
  Result<nlohmann::json, ClientError> list_models();
  Result<nlohmann::json, ClientError> get_model(const std::string& name);
  // GET /_moss/v1/audit with these filters (model, bucket, tag, key, since,
  // until, limit, order): {"events": [...], "truncated", "malformed_lines"}.
  Result<nlohmann::json, ClientError> audit(QueryList filters);

  // Mirroring a Hugging Face Hub through the server (docs/hub-mirror.md).
  // The upstream revision's commit and files, each with "stored".
  Result<nlohmann::json, ClientError> hub_revision(const std::string& repo,
                                                   const std::string& revision);
  // Has the server fetch one file of the revision (unless stored); answers
  // once it is stored: {"key", "size", "sha256", "version_id"}.
  Result<nlohmann::json, ClientError> hub_fetch_file(const std::string& repo,
                                                     const std::string& revision,
                                                     const std::string& path);
  // Tags the revision's snapshot with its name and commit id.
  Result<nlohmann::json, ClientError> hub_tag(const std::string& repo,
                                              const std::string& revision);

  const std::string& bucket() const { return bucket_; }

 private:
  Result<nlohmann::json, ClientError> call(const std::string& method, const std::string& path,
                                           QueryList query, const std::string& body = "",
                                           Headers headers = {});

  SignedClient client_;
  std::string bucket_;
};

// The request body of a tag change.
nlohmann::json tag_request_body(const std::vector<WeightedTarget>& targets);

}  // namespace moss::client
