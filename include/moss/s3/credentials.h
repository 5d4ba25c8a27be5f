// The access keys moss accepts. Sources, in the order they are merged:
// the MOSS_ACCESS_KEY_ID / MOSS_SECRET_ACCESS_KEY environment pair, the JSON
// file given by --credentials (how a Kubernetes Secret mount delivers them):
//
//   {"keys": [{"access_key_id": "...", "secret_access_key": "...", "name": "ci-publisher"}]}
//
// and, when neither gives a key, a pair generated on first start and kept in
// the data directory. Immutable once built; share it through shared_ptr.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "moss/util/result.h"

namespace moss::s3 {

struct AccessKey {
  std::string access_key_id;
  std::string secret_access_key;
  std::string name;  // who holds it, for logs ("ci-publisher")
};

class CredentialStore {
 public:
  // Adds or replaces a key; false if it is malformed (empty id, secret shorter
  // than 8 characters, characters outside printable ASCII).
  bool add(AccessKey key);
  const AccessKey* find(std::string_view access_key_id) const;
  size_t size() const { return keys_.size(); }
  bool empty() const { return keys_.empty(); }

  // Parses the --credentials JSON; the error says what is wrong and where.
  static Result<CredentialStore, std::string> from_json(std::string_view text);

 private:
  std::map<std::string, AccessKey, std::less<>> keys_;
};

// The generated development key in <data_dir>/dev-credentials.json: read if
// present, else created (mode 0600). `created` tells whether this call made it.
Result<AccessKey, std::string> load_or_create_dev_key(const std::string& data_dir, bool& created);

}  // namespace moss::s3
