#include "moss/s3/credentials.h"

#include <nlohmann/json.hpp>
#include <set>

#include "moss/util/digest.h"
#include "moss/util/fs.h"
#include "moss/util/random_id.h"
#include "s3/auth/policy.h"

namespace moss::s3 {
namespace {

constexpr size_t kMinTokenLength = 16;

// What the generated development key may do: everything, as every key could
// before policies existed.
constexpr std::string_view kAdministratorPolicy =
    R"({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})";

bool printable_ascii(std::string_view s) {
  for (char c : s) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

bool well_formed_token(std::string_view token) {
  return token.size() >= kMinTokenLength && printable_ascii(token);
}

std::string token_digest(std::string_view token) { return digest(DigestAlgorithm::kSha256, token); }

}  // namespace

std::shared_ptr<const Policy> administrator_policy() {
  static const auto policy = [] {
    auto parsed = parse_policy(nlohmann::json::parse(kAdministratorPolicy));
    return std::make_shared<const Policy>(std::move(*parsed));
  }();
  return policy;
}

bool CredentialStore::add(AccessKey key) {
  if (key.access_key_id.empty() || key.access_key_id.size() > 128 ||
      key.secret_access_key.size() < 8 || !printable_ascii(key.access_key_id) ||
      !printable_ascii(key.secret_access_key) || key.access_key_id.find('/') != std::string::npos) {
    return false;
  }
  std::set<std::string> digests;
  for (const auto& token : key.tokens) {
    if (!well_formed_token(token)) return false;
    std::string d = token_digest(token);
    auto holder = key_id_by_token_digest_.find(d);
    if (holder != key_id_by_token_digest_.end() && holder->second != key.access_key_id) {
      return false;
    }
    if (!digests.insert(std::move(d)).second) return false;
  }
  if (key.name.empty()) key.name = key.access_key_id;
  // A replaced key's tokens go with it.
  if (auto old = keys_.find(key.access_key_id); old != keys_.end()) {
    for (const auto& token : old->second.tokens) {
      key_id_by_token_digest_.erase(token_digest(token));
    }
  }
  for (const auto& d : digests) key_id_by_token_digest_.insert_or_assign(d, key.access_key_id);
  std::string id = key.access_key_id;
  keys_.insert_or_assign(std::move(id), std::move(key));
  return true;
}

const AccessKey* CredentialStore::find(std::string_view access_key_id) const {
  auto it = keys_.find(access_key_id);
  return it == keys_.end() ? nullptr : &it->second;
}

const AccessKey* CredentialStore::find_by_token(std::string_view token) const {
  auto it = key_id_by_token_digest_.find(token_digest(token));
  return it == key_id_by_token_digest_.end() ? nullptr : find(it->second);
}

Result<CredentialStore, std::string> CredentialStore::from_json(std::string_view text) {
  auto doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded()) return fail(std::string("not valid JSON"));
  if (!doc.is_object() || !doc.contains("keys") || !doc["keys"].is_array()) {
    return fail(std::string("expected an object with a \"keys\" array"));
  }
  CredentialStore store;
  size_t index = 0;
  for (const auto& entry : doc["keys"]) {
    auto where = "keys[" + std::to_string(index++) + "]";
    if (!entry.is_object() || !entry.contains("access_key_id") ||
        !entry.contains("secret_access_key") || !entry["access_key_id"].is_string() ||
        !entry["secret_access_key"].is_string()) {
      return fail(where + ": needs string fields access_key_id and secret_access_key");
    }
    // A misspelt "policy" must not leave the key without one (and so with
    // more power than its author meant): unknown fields are refused.
    for (const auto& [field, value] : entry.items()) {
      if (field != "access_key_id" && field != "secret_access_key" && field != "name" &&
          field != "policy" && field != "tokens") {
        return fail(where + "." + field +
                    ": unknown field (a key has access_key_id, secret_access_key, name, policy "
                    "and tokens)");
      }
    }
    AccessKey key{entry["access_key_id"].get<std::string>(),
                  entry["secret_access_key"].get<std::string>()};
    if (auto name = entry.find("name"); name != entry.end()) {
      if (!name->is_string()) return fail(where + ".name: expected a string");
      key.name = name->get<std::string>();
    }
    if (auto policy = entry.find("policy"); policy != entry.end()) {
      auto parsed = parse_policy(*policy, where + ".policy");
      if (!parsed) return fail(std::move(parsed.error()));
      key.policy = std::make_shared<const Policy>(std::move(*parsed));
    }
    if (auto tokens = entry.find("tokens"); tokens != entry.end()) {
      if (!tokens->is_array()) return fail(where + ".tokens: expected a list of strings");
      std::set<std::string> seen;
      for (size_t i = 0; i < tokens->size(); ++i) {
        // Errors name the token by position only: the message goes to logs.
        const std::string token_path = where + ".tokens[" + std::to_string(i) + "]";
        const auto& token = (*tokens)[i];
        if (!token.is_string()) return fail(token_path + ": expected a string");
        auto value = token.get<std::string>();
        if (!well_formed_token(value)) {
          return fail(token_path + ": a token is " + std::to_string(kMinTokenLength) +
                      " or more printable ASCII characters");
        }
        if (!seen.insert(value).second) return fail(token_path + ": repeats an earlier token");
        const AccessKey* holder = store.find_by_token(value);
        if (holder && holder->access_key_id != key.access_key_id) {
          return fail(token_path + ": the same token is already given to key " +
                      holder->access_key_id + " (" + holder->name + ")");
        }
        key.tokens.push_back(std::move(value));
      }
    }
    if (!store.add(std::move(key))) {
      return fail(where + ": malformed key (printable ASCII, secret of 8+ characters)");
    }
  }
  return store;
}

Result<AccessKey, std::string> load_or_create_dev_key(const std::string& data_dir, bool& created) {
  created = false;
  const std::string path = data_dir + "/dev-credentials.json";
  std::string text;
  if (!read_file(path, text)) {
    auto store = CredentialStore::from_json(text);
    if (!store) return fail(path + ": " + store.error());
    auto doc = nlohmann::json::parse(text);
    if (doc["keys"].empty()) return fail(path + ": holds no key");
    AccessKey key = *store->find(doc["keys"][0]["access_key_id"].get<std::string>());
    // Written before policies existed: the development key was all-powerful
    // then and stays so.
    if (!key.policy) key.policy = administrator_policy();
    return key;
  }
  if (auto ec = make_directories(data_dir)) return fail(data_dir + ": " + ec.message());
  AccessKey key{"MOSS" + random_alnum(16, true), random_alnum(40), "dev", administrator_policy()};
  nlohmann::json doc = {{"keys",
                         {{{"access_key_id", key.access_key_id},
                           {"secret_access_key", key.secret_access_key},
                           {"name", key.name},
                           {"policy", nlohmann::json::parse(kAdministratorPolicy)}}}}};
  if (auto ec = write_file_atomically(path, doc.dump(2) + "\n", 0600)) {
    return fail(path + ": " + ec.message());
  }
  created = true;
  return key;
}

}  // namespace moss::s3
