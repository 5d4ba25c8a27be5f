#include "s3/auth/sigv2_presigned.h"

#include <algorithm>
#include <array>
#include <map>

#include "moss/util/ascii.h"
#include "moss/util/base64.h"
#include "moss/util/digest.h"

namespace moss::s3 {
namespace {

// The query parameters SigV2 includes in the string to sign.
constexpr std::array<std::string_view, 26> kSubresources = {"acl",
                                                            "cors",
                                                            "delete",
                                                            "lifecycle",
                                                            "location",
                                                            "logging",
                                                            "notification",
                                                            "partNumber",
                                                            "policy",
                                                            "requestPayment",
                                                            "response-cache-control",
                                                            "response-content-disposition",
                                                            "response-content-encoding",
                                                            "response-content-language",
                                                            "response-content-type",
                                                            "response-expires",
                                                            "restore",
                                                            "tagging",
                                                            "torrent",
                                                            "uploadId",
                                                            "uploads",
                                                            "versionId",
                                                            "versioning",
                                                            "versions",
                                                            "website",
                                                            "accelerate"};

}  // namespace

std::string sigv2_string_to_sign(const RequestHead& head, std::string_view raw_path,
                                 const QueryParams& query, std::string_view expires) {
  std::string out;
  out += head.method_string();
  out += '\n';
  out += head["content-md5"];
  out += '\n';
  out += head[http::field::content_type];
  out += '\n';
  out += expires;
  out += '\n';
  std::map<std::string, std::string> amz_headers;
  for (const auto& field : head) {
    std::string name = ascii_lowercase(field.name_string());
    if (!name.starts_with("x-amz-")) continue;
    auto& value = amz_headers[name];
    if (!value.empty()) value += ',';
    value += field.value();
  }
  for (const auto& [name, value] : amz_headers) out += name + ":" + value + "\n";
  out += raw_path;
  std::vector<std::pair<std::string, std::string>> signed_params;
  for (const auto& [name, value] : query) {
    if (std::find(kSubresources.begin(), kSubresources.end(), name) != kSubresources.end()) {
      signed_params.emplace_back(name, value);
    }
  }
  std::sort(signed_params.begin(), signed_params.end());
  for (size_t i = 0; i < signed_params.size(); ++i) {
    out += i == 0 ? '?' : '&';
    out += signed_params[i].first;
    if (!signed_params[i].second.empty()) out += "=" + signed_params[i].second;
  }
  return out;
}

std::string sigv2_signature(std::string_view secret_access_key, std::string_view string_to_sign) {
  return base64_encode(hmac_sha1(secret_access_key, string_to_sign));
}

}  // namespace moss::s3
