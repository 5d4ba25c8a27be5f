// libFuzzer target: what SigV4 authentication parses from a request
// (include/moss/signing/sigv4.h): the Authorization header, a credential
// scope, the presigned-URL query parameters, and the canonical request built
// from a fuzzed path, query and headers. Fields are separated by newlines.
// Every parse must return a value or nullopt without a crash, a leak or
// undefined behaviour, and what it returns must be what it claims.
#include <cstdint>
#include <cstdlib>

#include "fuzz_input.h"
#include "moss/signing/sigv4.h"
#include "moss/util/uri.h"

using namespace moss::signing;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto fields = moss::fuzz::split_fields(data, size, 5);
  const std::string_view authorization = fields[0];
  const std::string_view raw_path = fields[1];
  const std::string_view raw_query = fields[2];
  const std::string_view header_lines = fields[3];
  const std::string_view payload_hash = fields[4];

  auto header = parse_authorization_header(authorization);
  if (header) {
    if (header->credential.access_key_id.empty()) std::abort();
    for (const auto& name : header->signed_headers) {
      if (name.empty()) std::abort();
    }
  }
  parse_credential(authorization);

  HeaderList headers;
  std::string_view rest = header_lines;
  while (!rest.empty()) {
    const size_t end = rest.find('\r');
    std::string_view line = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    headers.emplace_back(std::string(line.substr(0, colon)), std::string(line.substr(colon + 1)));
  }

  auto query = moss::parse_query(raw_query);
  bool presigned = false;
  std::vector<std::string> signed_headers;
  if (query) {
    PresignedParseError error{};
    auto parsed = parse_presigned_query(*query, &error);
    if (parsed) {
      presigned = true;
      signed_headers = parsed->signed_headers;
    }
  }
  if (header) signed_headers = header->signed_headers;

  CanonicalRequestInput in;
  in.method = "PUT";
  in.raw_path = raw_path;
  in.raw_query = raw_query;
  in.headers = &headers;
  in.signed_headers = &signed_headers;
  in.payload_hash = payload_hash;
  in.presigned = presigned;
  if (auto canonical = canonical_request(in)) {
    const std::string to_sign = string_to_sign("20130524T000000Z", "scope", *canonical);
    SigningKey key{};
    if (sign(key, to_sign).size() != 64) std::abort();
  }
  return 0;
}
