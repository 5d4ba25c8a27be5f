// Where a server is and how requests to it are addressed: the endpoint URL
// ("http://moss:9000", "https://moss.example.com") parsed once, and the request targets of
// path-style S3 and the registry API built with SigV4's percent-encoding, so the path sent is the
// path signed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace moss::client {

struct Endpoint {
  std::string host;  // name or address; IPv6 without brackets
  uint16_t port = 80;
  // https://: TLS, the server's certificate verified against ca_file (or the
  // system's CA bundle when empty) and the host name.
  bool https = false;
  std::string ca_file;
  // What the Host header says: "moss:9000", "[::1]:9000", or the name alone
  // on the scheme's default port.
  std::string host_header() const;
  // "http://moss:9000"
  std::string url() const;
};

// Accepts "http://HOST[:PORT][/]" and "https://HOST[:PORT][/]" (also
// "[v6addr]" and a bare "HOST:PORT", which is http). nullopt, with `why` set,
// for anything else (another scheme, a path, a bad port).
std::optional<Endpoint> parse_endpoint(std::string_view url, std::string* why = nullptr);

using QueryList = std::vector<std::pair<std::string, std::string>>;

// "/bucket/key/with%20space" (each byte of the key encoded except '/').
std::string object_path(std::string_view bucket, std::string_view key);
// "/bucket"
std::string bucket_path(std::string_view bucket);
// "a=1&b=x%2Fy" in the given order; an empty value gives "name=".
std::string build_query(const QueryList& query);

}  // namespace moss::client
