// Signing test requests the way S3 clients do: SigV4 in the Authorization
// header, SigV4 presigned URLs, and SigV2 presigned URLs (what boto3 still
// makes by default). Built on the moss::signing primitives, with the time
// passed in, so authenticator tests can pin the clock.
#pragma once

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "moss/http/exchange.h"
#include "moss/signing/sigv4.h"
#include "moss/util/base64.h"
#include "moss/util/digest.h"
#include "moss/util/time_format.h"
#include "moss/util/uri.h"

namespace moss::testing {

struct TestKey {
  std::string access_key_id;
  std::string secret_access_key;
};

inline constexpr std::string_view kTestRegion = "us-east-1";

// "/b/k?x=1" -> {"/b/k", "x=1"}
inline std::pair<std::string, std::string> split_target(std::string_view target) {
  auto question = target.find('?');
  if (question == std::string_view::npos) return {std::string(target), {}};
  return {std::string(target.substr(0, question)), std::string(target.substr(question + 1))};
}

inline std::string lowercase(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// "20260101/us-east-1/s3/aws4_request"
inline std::string credential_scope(int64_t now_seconds, std::string_view region) {
  return format_amz_date(now_seconds).substr(0, 8) + "/" + std::string(region) + "/s3/aws4_request";
}

// Adds x-amz-date, x-amz-content-sha256 (= payload_hash) and Authorization
// to `head`, signing every header it holds except the hop-by-hop ones and
// Content-Length. Returns the signature (the seed of aws-chunked bodies).
inline std::string sign_request(http::RequestHead& head, const TestKey& key, int64_t now_seconds,
                                std::string_view payload_hash,
                                std::string_view region = kTestRegion) {
  const std::string amz_date = format_amz_date(now_seconds);
  head.set("x-amz-date", amz_date);
  head.set("x-amz-content-sha256", payload_hash);
  head.erase(boost::beast::http::field::authorization);

  signing::HeaderList headers;
  std::vector<std::string> names;
  for (const auto& field : head) {
    std::string name = lowercase(field.name_string());
    if (name == "content-length" || name == "connection" || name == "expect" ||
        name == "user-agent") {
      continue;
    }
    headers.emplace_back(name, std::string(field.value()));
    names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());

  auto [raw_path, raw_query] = split_target(head.target());
  signing::CanonicalRequestInput in;
  in.method = head.method_string();
  in.raw_path = raw_path;
  in.raw_query = raw_query;
  in.headers = &headers;
  in.signed_headers = &names;
  in.payload_hash = payload_hash;
  const std::string canonical = signing::canonical_request(in).value();
  const std::string scope = credential_scope(now_seconds, region);
  const auto signing_key =
      signing::derive_signing_key(key.secret_access_key, amz_date.substr(0, 8), region, "s3");
  std::string signature =
      signing::sign(signing_key, signing::string_to_sign(amz_date, scope, canonical));

  std::string signed_names;
  for (const auto& name : names) signed_names += (signed_names.empty() ? "" : ";") + name;
  head.set(boost::beast::http::field::authorization,
           "AWS4-HMAC-SHA256 Credential=" + key.access_key_id + "/" + scope +
               ", SignedHeaders=" + signed_names + ", Signature=" + signature);
  return signature;
}

// `target` with the SigV4 presigned-URL query appended (only Host signed, the
// payload UNSIGNED-PAYLOAD, as every SDK presigns).
inline std::string presign_target(std::string_view method, std::string_view target,
                                  std::string_view host, const TestKey& key, int64_t now_seconds,
                                  int64_t expires_seconds, std::string_view region = kTestRegion) {
  auto [raw_path, raw_query] = split_target(target);
  const std::string amz_date = format_amz_date(now_seconds);
  const std::string scope = credential_scope(now_seconds, region);
  std::string query = raw_query;
  if (!query.empty()) query += '&';
  query += "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=" +
           aws_uri_encode(key.access_key_id + "/" + scope, true) + "&X-Amz-Date=" + amz_date +
           "&X-Amz-Expires=" + std::to_string(expires_seconds) + "&X-Amz-SignedHeaders=host";

  signing::HeaderList headers = {{"host", std::string(host)}};
  std::vector<std::string> names = {"host"};
  signing::CanonicalRequestInput in;
  in.method = method;
  in.raw_path = raw_path;
  in.raw_query = query;
  in.headers = &headers;
  in.signed_headers = &names;
  in.payload_hash = "UNSIGNED-PAYLOAD";
  in.presigned = true;
  const std::string canonical = signing::canonical_request(in).value();
  const auto signing_key =
      signing::derive_signing_key(key.secret_access_key, amz_date.substr(0, 8), region, "s3");
  const std::string signature =
      signing::sign(signing_key, signing::string_to_sign(amz_date, scope, canonical));
  return raw_path + "?" + query + "&X-Amz-Signature=" + signature;
}

// `path` as a SigV2 presigned GET URL expiring at `expires_at` (Unix seconds):
// Signature = base64(HMAC-SHA1(secret, "GET\n\n\n<expires>\n<path>")).
inline std::string presign_v2_target(std::string_view path, const TestKey& key,
                                     int64_t expires_at) {
  const std::string expires = std::to_string(expires_at);
  const std::string to_sign = "GET\n\n\n" + expires + "\n" + std::string(path);
  const std::string signature = base64_encode(hmac_sha1(key.secret_access_key, to_sign));
  return std::string(path) + "?AWSAccessKeyId=" + aws_uri_encode(key.access_key_id, true) +
         "&Expires=" + expires + "&Signature=" + aws_uri_encode(signature, true);
}

}  // namespace moss::testing
