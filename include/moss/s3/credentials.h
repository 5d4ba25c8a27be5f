// The access keys moss accepts, and who holds each. Sources, in the order they
// are merged: the MOSS_ACCESS_KEY_ID / MOSS_SECRET_ACCESS_KEY environment pair,
// the JSON file given by --credentials (how a Kubernetes Secret mount delivers
// them):
//
//   {"keys": [{"access_key_id": "...", "secret_access_key": "...", "name": "ci-publisher",
//              "policy": {"Statement": [{"Effect": "Allow", "Action": "s3:*",
//                                        "Resource": "arn:aws:s3:::models/*"}]},
//              "tokens": ["a bearer token of 16+ printable characters"]}]}
//
// and, when neither gives a key, a pair generated on first start and kept in
// the data directory. Immutable once built; share it through shared_ptr.
//
// What a key may do:
//  - with a `policy`: exactly what the policy allows (s3/auth/policy.h and
//    policy_evaluator.h; docs/access-control.md), nothing else;
//  - without one: what keys meant before policies existed. The key is its own
//    S3 account: full control of the buckets it created, none of anyone
//    else's.
// The generated development key and the environment pair (the operator's
// bootstrap key) are administrators: they carry a policy that allows every
// action on every resource.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "moss/util/result.h"

namespace moss::s3 {

struct Policy;  // s3/auth/policy.h: parsed, immutable

struct AccessKey {
  std::string access_key_id;
  std::string secret_access_key;
  std::string name;  // who holds it, for logs ("ci-publisher")
  // Null: no policy, the key is its own S3 account (see above).
  std::shared_ptr<const Policy> policy;
  // Bearer tokens that act as this key (for Hugging Face clients, which send
  // `Authorization: Bearer <token>`). Each 16+ printable ASCII characters;
  // no token belongs to two keys.
  std::vector<std::string> tokens;
};

class CredentialStore {
 public:
  // Adds or replaces a key (with its tokens); false if it is malformed: empty
  // id, secret shorter than 8 characters, characters outside printable ASCII,
  // a token shorter than 16 characters, or a token another key already holds.
  bool add(AccessKey key);
  const AccessKey* find(std::string_view access_key_id) const;
  // The key a bearer token belongs to, or null.
  const AccessKey* find_by_token(std::string_view token) const;
  size_t size() const { return keys_.size(); }
  bool empty() const { return keys_.empty(); }

  // Parses the --credentials JSON; the error gives the JSON path of what is
  // wrong ("keys[2].policy.Statement[1].Action[0]: expected a string") and
  // never quotes a secret or a token.
  static Result<CredentialStore, std::string> from_json(std::string_view text);

 private:
  std::map<std::string, AccessKey, std::less<>> keys_;
  // SHA-256 of each token -> access key id. Looking up the digest rather than
  // the token keeps the comparison's timing from telling a caller how much of a
  // guessed token was right.
  std::map<std::string, std::string, std::less<>> key_id_by_token_digest_;
};

// {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}: what
// the generated development key and the environment pair may do.
std::shared_ptr<const Policy> administrator_policy();

// The generated development key in <data_dir>/dev-credentials.json: read if
// present, else created (mode 0600) with an allow-everything policy. A file
// written before policies existed has none; the key read from it is given the
// same allow-everything policy, so it stays an administrator across upgrades.
// `created` tells whether this call made the file.
Result<AccessKey, std::string> load_or_create_dev_key(const std::string& data_dir, bool& created);

}  // namespace moss::s3
