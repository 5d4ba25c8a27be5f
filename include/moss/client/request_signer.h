// Signing outgoing requests with AWS Signature Version 4 (the Authorization
// header form), built on the same canonical-request code the server verifies
// with. Pure: the time is passed in.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "moss/client/http_client.h"

namespace moss::client {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
};

// For file bodies: the payload is not hashed into the signature (the body is
// protected by x-amz-checksum-sha256 instead, which is signed).
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";

// Adds x-amz-date, x-amz-content-sha256 (= payload_hash) and Authorization to
// `request`. Signed: every header already present (it must hold Host) except
// the hop-by-hop ones (Connection, Content-Length, Expect, User-Agent), plus the
// two added. `raw_path` and `raw_query` are the target as sent.
void sign_request(Headers& headers, std::string_view method, std::string_view raw_path,
                  std::string_view raw_query, std::string_view payload_hash,
                  const Credentials& credentials, std::string_view region, int64_t unix_seconds);

}  // namespace moss::client
