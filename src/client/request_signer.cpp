#include "moss/client/request_signer.h"

#include <algorithm>
#include <array>
#include <vector>

#include "moss/signing/sigv4.h"
#include "moss/util/ascii.h"
#include "moss/util/time_format.h"

namespace moss::client {
namespace {

// Hop-by-hop and client-identification headers that proxies may change.
bool is_unsigned_header(std::string_view lower_name) {
  static constexpr std::array<std::string_view, 5> kSkipped = {
      "authorization", "connection", "content-length", "expect", "user-agent"};
  return std::find(kSkipped.begin(), kSkipped.end(), lower_name) != kSkipped.end();
}

}  // namespace

void sign_request(Headers& headers, std::string_view method, std::string_view raw_path,
                  std::string_view raw_query, std::string_view payload_hash,
                  const Credentials& credentials, std::string_view region, int64_t unix_seconds) {
  const std::string amz_date = format_amz_date(unix_seconds);
  const std::string date = amz_date.substr(0, 8);
  headers.emplace_back("x-amz-date", amz_date);
  headers.emplace_back("x-amz-content-sha256", std::string(payload_hash));

  std::vector<std::string> signed_headers;
  for (const auto& [name, value] : headers) {
    std::string lower = ascii_lowercase(name);
    if (!is_unsigned_header(lower)) signed_headers.push_back(std::move(lower));
  }
  std::sort(signed_headers.begin(), signed_headers.end());
  signed_headers.erase(std::unique(signed_headers.begin(), signed_headers.end()),
                       signed_headers.end());

  signing::HeaderList wire(headers.begin(), headers.end());
  signing::CanonicalRequestInput in;
  in.method = method;
  in.raw_path = raw_path;
  in.raw_query = raw_query;
  in.headers = &wire;
  in.signed_headers = &signed_headers;
  in.payload_hash = payload_hash;
  // The path and query are built by this client with aws_uri_encode, so they
  // always parse; a failure here is a programming error worth seeing loudly.
  std::string canonical = signing::canonical_request(in).value_or("");

  signing::CredentialScope scope{credentials.access_key_id, date, std::string(region), "s3"};
  const std::string sts = signing::string_to_sign(amz_date, scope.scope(), canonical);
  const auto key = signing::derive_signing_key(credentials.secret_access_key, date, region, "s3");

  std::string signed_list;
  for (const auto& h : signed_headers) {
    if (!signed_list.empty()) signed_list += ';';
    signed_list += h;
  }
  headers.emplace_back("Authorization", "AWS4-HMAC-SHA256 Credential=" + credentials.access_key_id +
                                            "/" + scope.scope() + ", SignedHeaders=" + signed_list +
                                            ", Signature=" + signing::sign(key, sts));
}

}  // namespace moss::client
