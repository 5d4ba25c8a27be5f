// The credentials file from docs/access-control.md: an administrator, a CI
// publisher confined to one bucket, and an inference key that may read one
// model but not its internal files.
#pragma once

namespace moss::testing {

inline constexpr const char* kExampleCredentials = R"({"keys": [
  {"access_key_id": "ADMINKEY0000", "secret_access_key": "adminsecret000", "name": "platform-admin",
   "policy": {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}},
  {"access_key_id": "CIPUBKEY0000", "secret_access_key": "cipubsecret00", "name": "ci-publisher",
   "policy": {"Statement": [{"Effect": "Allow", "Action": ["s3:*"],
                             "Resource": ["arn:aws:s3:::models", "arn:aws:s3:::models/*"]}]}},
  {"access_key_id": "INFERKEY0000", "secret_access_key": "infersecret00", "name": "inference",
   "policy": {"Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
                             "Resource": ["arn:aws:s3:::models", "arn:aws:s3:::models/llama-3-8b/*"]},
                            {"Effect": "Deny", "Action": "s3:GetObject",
                             "Resource": "arn:aws:s3:::models/llama-3-8b/internal/*"}]}}
]})";

}  // namespace moss::testing
