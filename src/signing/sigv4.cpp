// SigV4 as S3 checks it. The canonical request is rebuilt from what arrived on
// the wire (decoded, then re-encoded the one way SigV4 allows), so clients that
// percent-encode differently but sign the same bytes still match.
//
#include "moss/signing/sigv4.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <initializer_list>
#include <utility>

#include "moss/util/ascii.h"
#include "moss/util/digest.h"
#include "moss/util/hex.h"
#include "moss/util/uri.h"

namespace moss::signing {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kTerminator = "aws4_request";

SigningKey hmac_key(std::string_view key, std::string_view data) {
  SigningKey out{};
  std::string mac = moss::hmac_sha256(key, data);
  std::memcpy(out.data(), mac.data(), out.size());
  return out;
}

std::string_view as_view(const SigningKey& key) {
  return {reinterpret_cast<const char*>(key.data()), key.size()};
}

bool is_unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

void append_escape(std::string& out, unsigned char c) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  out += '%';
  out += kDigits[c >> 4];
  out += kDigits[c & 0xf];
}

// SigV4 UriEncode of one byte.
void append_uri_encoded(std::string& out, unsigned char c, bool encode_slash) {
  if (is_unreserved(c) || (c == '/' && !encode_slash)) {
    out += static_cast<char>(c);
  } else {
    append_escape(out, c);
  }
}

void append_uri_encoded(std::string& out, std::string_view text, bool encode_slash) {
  for (unsigned char c : text) append_uri_encoded(out, c, encode_slash);
}

// The byte of the "%XX" escape at text[i]; nullopt when it is malformed.
std::optional<unsigned char> escape_at(std::string_view text, size_t i) {
  if (i + 2 >= text.size()) return std::nullopt;
  int high = hex_digit_value(text[i + 1]);
  int low = hex_digit_value(text[i + 2]);
  if (high < 0 || low < 0) return std::nullopt;
  return static_cast<unsigned char>(high * 16 + low);
}

// The canonical URI: every byte decoded and re-encoded with '/' kept. An
// escaped slash (%2F) stays escaped: a client that sent it signed it that way,
// and turning it into a path separator would change what was signed.
std::optional<std::string> canonical_uri(std::string_view raw_path) {
  if (raw_path.empty()) return std::string("/");
  std::string out;
  out.reserve(raw_path.size() + raw_path.size() / 2);
  for (size_t i = 0; i < raw_path.size(); ++i) {
    if (raw_path[i] != '%') {
      append_uri_encoded(out, static_cast<unsigned char>(raw_path[i]), false);
      continue;
    }
    auto byte = escape_at(raw_path, i);
    if (!byte) return std::nullopt;
    append_uri_encoded(out, *byte, /*encode_slash=*/true);
    i += 2;
  }
  return out;
}

std::optional<std::string> canonical_query(std::string_view raw_query, bool presigned) {
  std::vector<std::pair<std::string, std::string>> params;
  size_t start = 0;
  while (start <= raw_query.size()) {
    size_t end = raw_query.find('&', start);
    if (end == std::string_view::npos) end = raw_query.size();
    std::string_view param = raw_query.substr(start, end - start);
    start = end + 1;
    if (param.empty()) continue;
    size_t eq = param.find('=');
    std::string_view raw_name = param.substr(0, eq);
    std::string_view raw_value = eq == std::string_view::npos ? "" : param.substr(eq + 1);
    auto name = moss::percent_decode(raw_name);
    auto value = moss::percent_decode(raw_value);
    if (!name || !value) return std::nullopt;
    if (presigned && *name == "X-Amz-Signature") continue;
    std::string encoded_name;
    std::string encoded_value;
    append_uri_encoded(encoded_name, *name, true);
    append_uri_encoded(encoded_value, *value, true);
    params.emplace_back(std::move(encoded_name), std::move(encoded_value));
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out += '&';
    out += name;
    out += '=';
    out += value;
  }
  return out;
}

// Trims and collapses runs of spaces/tabs into one space, as SigV4 requires.
void append_canonical_value(std::string& out, std::string_view value) {
  bool in_space = false;
  for (char c : trim_ows(value)) {
    if (is_ows(c)) {
      in_space = true;
      continue;
    }
    if (in_space) out += ' ';
    in_space = false;
    out += c;
  }
}

// A SigV4 signature: 64 hex digits (either case on the wire).
bool is_hex_signature(std::string_view text) { return text.size() == 64 && is_hex(text); }

// "a;b;c" -> lowercase names; nullopt if empty or with an empty element.
std::optional<std::vector<std::string>> split_signed_headers(std::string_view text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t end = text.find(';', start);
    std::string_view name = text.substr(start, end == std::string_view::npos ? end : end - start);
    if (name.empty()) return std::nullopt;
    out.push_back(ascii_lowercase(name));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return out;
}

// Where the value of parameter `name` goes, from `slots` (name, destination);
// nullptr for a name not listed.
template <class Value>
Value* slot_named(std::string_view name,
                  std::initializer_list<std::pair<std::string_view, Value*>> slots) {
  for (const auto& [slot_name, slot] : slots) {
    if (slot_name == name) return slot;
  }
  return nullptr;
}

// Lines joined by '\n', no newline after the last: the layout of every string to sign.
std::string join_lines(std::initializer_list<std::string_view> lines) {
  std::string out;
  bool first = true;
  for (std::string_view line : lines) {
    if (!first) out += '\n';
    out.append(line);
    first = false;
  }
  return out;
}

}  // namespace

std::string CredentialScope::scope() const {
  std::string out;
  out.reserve(date.size() + region.size() + service.size() + kTerminator.size() + 3);
  out.append(date).append("/").append(region).append("/").append(service).append("/");
  out.append(kTerminator);
  return out;
}

std::optional<CredentialScope> parse_credential(std::string_view credential) {
  std::string_view parts[5];
  size_t start = 0;
  for (int i = 0; i < 5; ++i) {
    size_t end = credential.find('/', start);
    bool last = i == 4;
    if (last != (end == std::string_view::npos)) return std::nullopt;  // not exactly 5 parts
    parts[i] = credential.substr(start, last ? std::string_view::npos : end - start);
    if (parts[i].empty()) return std::nullopt;
    start = end + 1;
  }
  if (parts[4] != kTerminator) return std::nullopt;
  if (parts[1].size() != 8 || !is_ascii_digits(parts[1])) return std::nullopt;
  return CredentialScope{std::string(parts[0]), std::string(parts[1]), std::string(parts[2]),
                         std::string(parts[3])};
}

std::optional<AuthorizationHeader> parse_authorization_header(std::string_view value) {
  value = trim_ows(value);
  if (value.substr(0, kAlgorithm.size()) != kAlgorithm) return std::nullopt;
  value.remove_prefix(kAlgorithm.size());
  if (value.empty() || !is_ows(value.front())) return std::nullopt;

  std::optional<std::string_view> credential, signed_headers, signature;
  size_t start = 0;
  while (start <= value.size()) {
    size_t end = value.find(',', start);
    if (end == std::string_view::npos) end = value.size();
    std::string_view param = trim_ows(value.substr(start, end - start));
    start = end + 1;
    size_t eq = param.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    std::string_view key = trim_ows(param.substr(0, eq));
    std::string_view val = trim_ows(param.substr(eq + 1));
    auto* slot =
        slot_named<std::optional<std::string_view>>(key, {{"Credential", &credential},
                                                          {"SignedHeaders", &signed_headers},
                                                          {"Signature", &signature}});
    if (slot == nullptr) return std::nullopt;
    if (slot->has_value()) return std::nullopt;  // duplicate parameter
    *slot = val;
  }
  if (!credential || !signed_headers || !signature) return std::nullopt;

  auto scope = parse_credential(*credential);
  auto headers = split_signed_headers(*signed_headers);
  if (!scope || !headers || !is_hex_signature(*signature)) return std::nullopt;
  return AuthorizationHeader{std::move(*scope), std::move(*headers), ascii_lowercase(*signature)};
}

std::optional<std::string> canonical_request(const CanonicalRequestInput& in) {
  if (in.headers == nullptr || in.signed_headers == nullptr) return std::nullopt;
  auto uri = canonical_uri(in.raw_path);
  auto query = canonical_query(in.raw_query, in.presigned);
  if (!uri || !query) return std::nullopt;

  std::string out;
  out.reserve(256 + uri->size() + query->size());
  out.append(in.method).append("\n");
  out.append(*uri).append("\n");
  out.append(*query).append("\n");
  for (const std::string& name : *in.signed_headers) {
    out.append(name).append(":");
    bool found = false;
    for (const auto& [header, header_value] : *in.headers) {
      if (!ascii_iequals(header, name)) continue;
      if (found) out += ',';
      append_canonical_value(out, header_value);
      found = true;
    }
    if (!found) return std::nullopt;
    out += '\n';
  }
  out += '\n';
  for (size_t i = 0; i < in.signed_headers->size(); ++i) {
    if (i > 0) out += ';';
    out += (*in.signed_headers)[i];
  }
  out += '\n';
  out.append(in.payload_hash);
  return out;
}

std::string string_to_sign(std::string_view amz_date, std::string_view scope,
                           std::string_view canonical_request) {
  return join_lines({kAlgorithm, amz_date, scope, moss::sha256_hex(canonical_request)});
}

SigningKey derive_signing_key(std::string_view secret_access_key, std::string_view date,
                              std::string_view region, std::string_view service) {
  std::string secret = "AWS4";
  secret.append(secret_access_key);
  SigningKey date_key = hmac_key(secret, date);
  OPENSSL_cleanse(secret.data(), secret.size());
  SigningKey region_key = hmac_key(as_view(date_key), region);
  SigningKey service_key = hmac_key(as_view(region_key), service);
  return hmac_key(as_view(service_key), kTerminator);
}

std::string sign(const SigningKey& key, std::string_view string_to_sign) {
  return to_hex(moss::hmac_sha256(as_view(key), string_to_sign));
}

std::string chunk_string_to_sign(std::string_view amz_date, std::string_view scope,
                                 std::string_view previous_signature,
                                 std::string_view chunk_sha256_hex) {
  return join_lines({"AWS4-HMAC-SHA256-PAYLOAD", amz_date, scope, previous_signature,
                     kEmptyPayloadSha256, chunk_sha256_hex});
}

std::string trailer_string_to_sign(std::string_view amz_date, std::string_view scope,
                                   std::string_view previous_signature,
                                   std::string_view canonical_trailers) {
  return join_lines({"AWS4-HMAC-SHA256-TRAILER", amz_date, scope, previous_signature,
                     moss::sha256_hex(canonical_trailers)});
}

std::optional<PresignedQuery> parse_presigned_query(
    const std::vector<std::pair<std::string, std::string>>& decoded_query,
    PresignedParseError* error) {
  auto fail = [error](PresignedParseError e) -> std::optional<PresignedQuery> {
    if (error != nullptr) *error = e;
    return std::nullopt;
  };

  const std::string* algorithm = nullptr;
  const std::string* credential = nullptr;
  const std::string* date = nullptr;
  const std::string* expires = nullptr;
  const std::string* signed_headers = nullptr;
  const std::string* signature = nullptr;
  bool duplicate = false;
  for (const auto& [name, value] : decoded_query) {
    const std::string** slot =
        slot_named<const std::string*>(name, {{"X-Amz-Algorithm", &algorithm},
                                              {"X-Amz-Credential", &credential},
                                              {"X-Amz-Date", &date},
                                              {"X-Amz-Expires", &expires},
                                              {"X-Amz-SignedHeaders", &signed_headers},
                                              {"X-Amz-Signature", &signature}});
    if (slot == nullptr) continue;
    if (*slot != nullptr) duplicate = true;
    *slot = &value;
  }

  if (signature == nullptr && credential == nullptr)
    return fail(PresignedParseError::kNotPresigned);
  if (algorithm != nullptr && *algorithm != kAlgorithm) {
    return fail(PresignedParseError::kUnsupportedAlgorithm);
  }
  if (duplicate || algorithm == nullptr || credential == nullptr || date == nullptr ||
      expires == nullptr || signed_headers == nullptr || signature == nullptr) {
    return fail(PresignedParseError::kMalformed);
  }

  auto scope = parse_credential(*credential);
  auto headers = split_signed_headers(*signed_headers);
  if (!scope || !headers || !is_hex_signature(*signature) || date->empty()) {
    return fail(PresignedParseError::kMalformed);
  }
  int64_t expires_seconds = 0;
  if (!is_ascii_digits(*expires)) return fail(PresignedParseError::kMalformed);
  auto [end, ec] =
      std::from_chars(expires->data(), expires->data() + expires->size(), expires_seconds);
  if (ec != std::errc() || end != expires->data() + expires->size()) {
    return fail(PresignedParseError::kMalformed);
  }
  return PresignedQuery{std::move(*scope), *date, expires_seconds, std::move(*headers),
                        ascii_lowercase(*signature)};
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace moss::signing
