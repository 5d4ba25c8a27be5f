#include "moss/s3/credentials.h"

#include <nlohmann/json.hpp>

#include "moss/util/fs.h"
#include "moss/util/random_id.h"

namespace moss::s3 {
namespace {

bool printable_ascii(std::string_view s) {
  for (char c : s) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

}  // namespace

bool CredentialStore::add(AccessKey key) {
  if (key.access_key_id.empty() || key.access_key_id.size() > 128 ||
      key.secret_access_key.size() < 8 || !printable_ascii(key.access_key_id) ||
      !printable_ascii(key.secret_access_key) || key.access_key_id.find('/') != std::string::npos) {
    return false;
  }
  if (key.name.empty()) key.name = key.access_key_id;
  std::string id = key.access_key_id;
  keys_.insert_or_assign(std::move(id), std::move(key));
  return true;
}

const AccessKey* CredentialStore::find(std::string_view access_key_id) const {
  auto it = keys_.find(access_key_id);
  return it == keys_.end() ? nullptr : &it->second;
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
    AccessKey key{entry["access_key_id"].get<std::string>(),
                  entry["secret_access_key"].get<std::string>(),
                  entry.value("name", std::string())};
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
    auto id = doc["keys"][0]["access_key_id"].get<std::string>();
    return *store->find(id);
  }
  if (auto ec = make_directories(data_dir)) return fail(data_dir + ": " + ec.message());
  AccessKey key{"MOSS" + random_alnum(16, true), random_alnum(40), "dev"};
  nlohmann::json doc = {{"keys",
                         {{{"access_key_id", key.access_key_id},
                           {"secret_access_key", key.secret_access_key},
                           {"name", key.name}}}}};
  if (auto ec = write_file_atomically(path, doc.dump(2) + "\n", 0600)) {
    return fail(path + ": " + ec.message());
  }
  created = true;
  return key;
}

}  // namespace moss::s3
