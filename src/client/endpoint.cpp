#include "moss/client/endpoint.h"

#include <charconv>

#include "moss/util/uri.h"

namespace moss::client {

std::string Endpoint::host_header() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (port != (https ? 443 : 80)) h += ":" + std::to_string(port);
  return h;
}

std::string Endpoint::url() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return std::string(https ? "https://" : "http://") + h + ":" + std::to_string(port);
}

std::optional<Endpoint> parse_endpoint(std::string_view url, std::string* why) {
  auto reject = [why](std::string reason) -> std::optional<Endpoint> {
    if (why) *why = std::move(reason);
    return std::nullopt;
  };
  std::string_view rest = url;
  Endpoint endpoint;
  if (rest.starts_with("https://")) {
    rest.remove_prefix(8);
    endpoint.https = true;
    endpoint.port = 443;
  } else if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  }
  if (rest.find("://") != std::string_view::npos) {
    return reject("the scheme must be http:// or https://");
  }
  while (rest.ends_with("/")) rest.remove_suffix(1);
  if (rest.find('/') != std::string_view::npos) {
    return reject("an endpoint is http[s]://HOST[:PORT], without a path");
  }
  if (rest.find_first_of("?#@") != std::string_view::npos) {
    return reject("an endpoint is http[s]://HOST[:PORT]");
  }
  std::string_view port_text;
  if (rest.starts_with("[")) {
    auto close = rest.find(']');
    if (close == std::string_view::npos) return reject("unclosed '[' in the host");
    endpoint.host = std::string(rest.substr(1, close - 1));
    std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (!after.starts_with(":")) return reject("unexpected text after ']'");
      port_text = after.substr(1);
    }
  } else {
    auto colon = rest.rfind(':');
    endpoint.host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) port_text = rest.substr(colon + 1);
  }
  if (endpoint.host.empty()) return reject("the endpoint has no host");
  if (!port_text.empty() || rest.ends_with(":")) {
    unsigned port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port == 0 ||
        port > 65535) {
      return reject("bad port '" + std::string(port_text) + "'");
    }
    endpoint.port = static_cast<uint16_t>(port);
  }
  return endpoint;
}

std::string bucket_path(std::string_view bucket) { return "/" + aws_uri_encode(bucket, true); }

std::string object_path(std::string_view bucket, std::string_view key) {
  return bucket_path(bucket) + "/" + aws_uri_encode(key, false);
}

std::string build_query(const QueryList& query) {
  std::string text;
  for (const auto& [name, value] : query) {
    if (!text.empty()) text += '&';
    text += aws_uri_encode(name, true);
    text += '=';
    text += aws_uri_encode(value, true);
  }
  return text;
}

}  // namespace moss::client
