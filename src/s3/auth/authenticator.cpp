#include "moss/s3/authenticator.h"

#include <algorithm>
#include <unordered_set>

#include "moss/signing/sigv4.h"
#include "moss/util/ascii.h"
#include "moss/util/digest.h"
#include "moss/util/hex.h"
#include "moss/util/time_format.h"
#include "s3/auth/sigv2_presigned.h"
#include "s3/errors.h"
#include "s3/query_params.h"

namespace moss::s3 {

// SigV4 verification is written in the signing library's vocabulary.
using namespace ::moss::signing;
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kBearer = "bearer ";  // compared lowercased

bool is_hex_sha256(std::string_view s) { return s.size() == 64 && is_hex(s); }

bool has_body(const RequestHead& head) {
  auto length = head[http::field::content_length];
  return head.count(http::field::transfer_encoding) > 0 || (!length.empty() && length != "0");
}

HeaderList signed_header_values(const RequestHead& head,
                                const std::vector<std::string>& signed_headers) {
  HeaderList out;
  for (const auto& field : head) {
    std::string name = ascii_lowercase(field.name_string());
    if (std::find(signed_headers.begin(), signed_headers.end(), name) != signed_headers.end()) {
      out.emplace_back(std::move(name), std::string(field.value()));
    }
  }
  return out;
}

// The canonical request of a header-signed or presigned request: one place
// assembles what SigV4 signs from the request as it arrived.
std::optional<std::string> canonical_request_of(const RequestHead& head, std::string_view raw_path,
                                                std::string_view raw_query,
                                                const HeaderList& headers,
                                                const std::vector<std::string>& signed_headers,
                                                std::string_view payload_hash, bool presigned) {
  CanonicalRequestInput in;
  in.method = head.method_string();
  in.raw_path = raw_path;
  in.raw_query = raw_query;
  in.headers = &headers;
  in.signed_headers = &signed_headers;
  in.payload_hash = payload_hash;
  in.presigned = presigned;
  return canonical_request(in);
}

// S3 refuses a SigV4 request carrying an x-amz-* header its signature does not
// cover: anyone holding a presigned URL could otherwise add one, and
// x-amz-copy-source alone turns a PUT of one key into a copy of any object.
// Presigned requests may carry x-amz-content-sha256 unsigned, as S3 allows.
void refuse_unsigned_amz_headers(const RequestHead& head,
                                 const std::vector<std::string>& signed_headers, bool presigned) {
  for (const auto& field : head) {
    std::string name = ascii_lowercase(field.name_string());
    if (!name.starts_with("x-amz-")) continue;
    if (presigned && name == "x-amz-content-sha256") continue;
    if (std::find(signed_headers.begin(), signed_headers.end(), name) != signed_headers.end()) {
      continue;
    }
    throw S3Error(S3ErrorCode::kAccessDenied,
                  "There were headers present in the request which were not signed")
        .with("HeadersNotSigned", name);
  }
}

// Presigned requests already verified, per network thread: no locking, and a
// replaced key set (generation) invalidates them all.
class VerifiedUrlCache {
 public:
  bool contains(const std::string& key, uint64_t generation) const {
    return generation == generation_ && entries_.count(key) > 0;
  }
  void insert(std::string key, uint64_t generation) {
    if (generation != generation_ || entries_.size() >= kMaxEntries) {
      entries_.clear();
      generation_ = generation;
    }
    entries_.insert(std::move(key));
  }

 private:
  static constexpr size_t kMaxEntries = 1024;
  std::unordered_set<std::string> entries_;
  uint64_t generation_ = 0;
};

// Unique across every Authenticator of the process, so a URL one of them
// verified never counts as verified by another (tests run several).
uint64_t next_key_generation() {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

VerifiedUrlCache& verified_presigned_urls() {
  thread_local VerifiedUrlCache cache;
  return cache;
}

S3Error signature_mismatch(const std::string& canonical, const std::string& to_sign) {
  S3Error e(S3ErrorCode::kSignatureDoesNotMatch);
  e.with("StringToSign", to_sign).with("CanonicalRequest", canonical);
  return e;
}

}  // namespace

Authenticator::Authenticator(std::shared_ptr<const CredentialStore> keys, Config config)
    : config_(std::move(config)), keys_(std::move(keys)), key_generation_(next_key_generation()) {}

void Authenticator::replace_keys(std::shared_ptr<const CredentialStore> keys) {
  {
    MutexLock lock(keys_mutex_);
    keys_ = std::move(keys);
  }
  MutexLock lock(cache_mutex_);
  key_cache_.clear();
  key_generation_.store(next_key_generation(), std::memory_order_release);
}

std::shared_ptr<const CredentialStore> Authenticator::keys() const {
  MutexLock lock(keys_mutex_);
  return keys_;
}

SigningKey Authenticator::signing_key(const AccessKey& key, const CredentialScope& scope) const {
  // Deriving the key costs four HMACs; it changes once a day per access key.
  std::string cache_key = key.access_key_id + '/' + key.secret_access_key + '/' + scope.scope();
  {
    MutexLock lock(cache_mutex_);
    auto it = key_cache_.find(cache_key);
    if (it != key_cache_.end()) return it->second;
  }
  SigningKey derived =
      derive_signing_key(key.secret_access_key, scope.date, scope.region, scope.service);
  MutexLock lock(cache_mutex_);
  if (key_cache_.size() > 4096) key_cache_.clear();
  key_cache_.emplace(std::move(cache_key), derived);
  return derived;
}

const AccessKey& Authenticator::find_key(const CredentialScope& scope,
                                         const std::shared_ptr<const CredentialStore>& keys) const {
  const AccessKey* key = keys->find(scope.access_key_id);
  if (!key) throw S3Error(S3ErrorCode::kInvalidAccessKeyId);
  return *key;
}

AuthResult Authenticator::authenticate(const RequestHead& head, std::string_view raw_path,
                                       std::string_view raw_query, const QueryParams& query,
                                       int64_t now_seconds) const {
  auto authorization = head[http::field::authorization];
  if (!authorization.empty()) {
    if (ascii_lowercase(authorization.substr(0, kBearer.size())) == kBearer) {
      return authenticate_bearer(trim_ascii_space(authorization.substr(kBearer.size())));
    }
    if (!authorization.starts_with(kAlgorithm)) {
      throw S3Error(S3ErrorCode::kInvalidRequest,
                    "The authorization mechanism you have provided is not supported. Please use "
                    "AWS4-HMAC-SHA256.");
    }
    return authenticate_header(head, authorization, raw_path, raw_query, now_seconds);
  }
  bool presigned = std::any_of(query.begin(), query.end(), [](const auto& p) {
    return p.first == "X-Amz-Signature" || p.first == "X-Amz-Credential" ||
           p.first == "X-Amz-Algorithm";
  });
  if (presigned) return authenticate_presigned(head, raw_path, raw_query, query, now_seconds);
  if (find_param(query, "Signature") && find_param(query, "AWSAccessKeyId")) {
    return authenticate_presigned_v2(head, raw_path, query, now_seconds);
  }
  AuthResult anonymous;
  anonymous.anonymous = true;
  anonymous.key.name = "anonymous";
  anonymous.payload = PayloadMode::kUnsigned;
  return anonymous;
}

AuthResult Authenticator::authenticate_bearer(std::string_view token) const {
  // Looked up by digest (credentials.h): the time taken says nothing about
  // how much of a guessed token was right.
  const auto keys = this->keys();
  const AccessKey* key = keys->find_by_token(token);
  if (!key) throw S3Error(S3ErrorCode::kUnauthorized);
  AuthResult result;
  result.key = *key;
  result.bearer = true;
  result.payload = PayloadMode::kUnsigned;
  return result;
}

AuthResult Authenticator::authenticate_header(const RequestHead& head,
                                              std::string_view authorization,
                                              std::string_view raw_path, std::string_view raw_query,
                                              int64_t now_seconds) const {
  auto parsed = parse_authorization_header(authorization);
  if (!parsed) throw S3Error(S3ErrorCode::kAuthorizationHeaderMalformed);
  const auto& scope = parsed->credential;
  if (scope.service != "s3") {
    throw S3Error(S3ErrorCode::kAuthorizationHeaderMalformed,
                  "The authorization header is malformed; incorrect service \"" + scope.service +
                      "\". This endpoint belongs to \"s3\".");
  }
  if (scope.region != config_.region) {
    throw S3Error(S3ErrorCode::kAuthorizationHeaderMalformed,
                  "The authorization header is malformed; the region '" + scope.region +
                      "' is wrong; expecting '" + config_.region + "'")
        .with("Region", config_.region);
  }
  auto keys = this->keys();
  const AccessKey& key = find_key(scope, keys);
  refuse_unsigned_amz_headers(head, parsed->signed_headers, false);

  std::string amz_date(head["x-amz-date"]);
  std::optional<int64_t> request_time;
  if (!amz_date.empty()) {
    request_time = parse_amz_date(amz_date);
  } else if (auto date = head[http::field::date]; !date.empty()) {
    request_time = parse_http_date(date);
    if (request_time) amz_date = format_amz_date(*request_time);
  }
  if (!request_time) {
    throw S3Error(S3ErrorCode::kAccessDenied,
                  "AWS authentication requires a valid Date or x-amz-date header");
  }
  if (std::abs(*request_time - now_seconds) > config_.max_clock_skew_seconds) {
    throw S3Error(S3ErrorCode::kRequestTimeTooSkewed)
        .with("RequestTime", amz_date)
        .with("ServerTime", format_amz_date(now_seconds))
        .with("MaxAllowedSkewMilliseconds", std::to_string(config_.max_clock_skew_seconds * 1000));
  }
  if (!amz_date.starts_with(scope.date)) {
    throw S3Error(S3ErrorCode::kAuthorizationHeaderMalformed,
                  "The authorization header is malformed; Invalid credential date. Date is not "
                  "the same as X-Amz-Date.");
  }

  AuthResult result;
  result.key = key;
  std::string payload_hash(head["x-amz-content-sha256"]);
  if (payload_hash.empty()) {
    // Signers that are not S3 SDKs (curl's --aws-sigv4 before 8.x, for one)
    // leave the header out and sign the hash of the body. Without a body that
    // hash is known; with one, the header is needed to stream it.
    if (!has_body(head)) {
      payload_hash = kEmptyPayloadSha256;
    } else {
      throw S3Error(S3ErrorCode::kInvalidRequest,
                    "Missing required header for this request: x-amz-content-sha256");
    }
  }
  if (payload_hash == "UNSIGNED-PAYLOAD") {
    result.payload = PayloadMode::kUnsigned;
  } else if (payload_hash == "STREAMING-AWS4-HMAC-SHA256-PAYLOAD") {
    result.payload = PayloadMode::kStreamingSigned;
  } else if (payload_hash == "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER") {
    result.payload = PayloadMode::kStreamingSignedTrailer;
  } else if (payload_hash == "STREAMING-UNSIGNED-PAYLOAD-TRAILER") {
    result.payload = PayloadMode::kStreamingUnsignedTrailer;
  } else if (payload_hash.starts_with("STREAMING-AWS4-ECDSA")) {
    throw S3Error(S3ErrorCode::kNotImplemented, "SigV4a (ECDSA) signing is not supported.");
  } else if (is_hex_sha256(payload_hash)) {
    result.payload = PayloadMode::kSha256;
    result.payload_sha256 = ascii_lowercase(payload_hash);
  } else {
    throw S3Error(S3ErrorCode::kInvalidArgument,
                  "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-*, or a valid "
                  "sha256 value.");
  }

  auto headers = signed_header_values(head, parsed->signed_headers);
  auto canonical = canonical_request_of(head, raw_path, raw_query, headers, parsed->signed_headers,
                                        payload_hash, /*presigned=*/false);
  if (!canonical) {
    throw S3Error(S3ErrorCode::kAuthorizationHeaderMalformed,
                  "A header listed in SignedHeaders is missing, or the URL is malformed.");
  }
  const std::string scope_text = scope.scope();
  std::string to_sign = string_to_sign(amz_date, scope_text, *canonical);
  SigningKey signing = signing_key(key, scope);
  std::string expected = sign(signing, to_sign);
  if (!constant_time_equal(expected, parsed->signature)) {
    throw signature_mismatch(*canonical, to_sign);
  }
  if (result.payload == PayloadMode::kStreamingSigned ||
      result.payload == PayloadMode::kStreamingSignedTrailer) {
    result.chunk_signing = ChunkSigningContext{signing, amz_date, scope_text, expected};
  }
  return result;
}

AuthResult Authenticator::authenticate_presigned(const RequestHead& head, std::string_view raw_path,
                                                 std::string_view raw_query,
                                                 const QueryParams& query,
                                                 int64_t now_seconds) const {
  // A URL whose lifetime is negative never was valid: refused as S3 refuses
  // it, 403 rather than the 400 of a malformed URL.
  if (const std::string* expires = find_param(query, "X-Amz-Expires");
      expires && expires->starts_with('-') && is_ascii_digits(expires->substr(1))) {
    throw S3Error(S3ErrorCode::kAccessDenied, "X-Amz-Expires must be non-negative");
  }
  PresignedParseError error{};
  auto parsed = parse_presigned_query(query, &error);
  if (!parsed) {
    if (error == PresignedParseError::kUnsupportedAlgorithm) {
      throw S3Error(S3ErrorCode::kAuthorizationQueryParametersError,
                    "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"");
    }
    throw S3Error(S3ErrorCode::kAuthorizationQueryParametersError,
                  "Query-string authentication version 4 requires the X-Amz-Algorithm, "
                  "X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and "
                  "X-Amz-Expires parameters.");
  }
  const auto& scope = parsed->credential;
  if (scope.service != "s3" || scope.region != config_.region) {
    throw S3Error(S3ErrorCode::kAuthorizationQueryParametersError,
                  "Error parsing the X-Amz-Credential parameter; the region '" + scope.region +
                      "' is wrong; expecting '" + config_.region + "'")
        .with("Region", config_.region);
  }
  // Out of S3's range, for GET and PUT alike: 403, as S3 answers. A URL that
  // lives 0 seconds has expired when it arrives.
  if (parsed->expires_seconds <= 0) {
    throw S3Error(S3ErrorCode::kAccessDenied, "Request has expired")
        .with("X-Amz-Expires", std::to_string(parsed->expires_seconds));
  }
  if (parsed->expires_seconds > config_.max_presigned_expiry_seconds) {
    throw S3Error(S3ErrorCode::kAccessDenied,
                  "X-Amz-Expires must be less than a week (in seconds) that is 604800");
  }
  auto request_time = parse_amz_date(parsed->amz_date);
  if (!request_time || !parsed->amz_date.starts_with(scope.date)) {
    throw S3Error(S3ErrorCode::kAuthorizationQueryParametersError,
                  "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
  }
  auto keys = this->keys();
  const AccessKey& key = find_key(scope, keys);
  if (*request_time - now_seconds > config_.max_clock_skew_seconds) {
    throw S3Error(S3ErrorCode::kAccessDenied, "Request is not valid yet");
  }
  if (now_seconds > *request_time + parsed->expires_seconds) {
    throw S3Error(S3ErrorCode::kAccessDenied, "Request has expired")
        .with("X-Amz-Expires", std::to_string(parsed->expires_seconds))
        .with("Expires", format_iso8601((*request_time + parsed->expires_seconds) * 1'000'000'000))
        .with("ServerTime", format_iso8601(now_seconds * 1'000'000'000));
  }

  // A presigned request may still say how its payload is hashed; the default
  // (and what every SDK presigns with) is UNSIGNED-PAYLOAD.
  std::string payload_hash(head["x-amz-content-sha256"]);
  AuthResult result;
  result.key = key;
  result.presigned = true;
  if (payload_hash.empty() || payload_hash == "UNSIGNED-PAYLOAD") {
    payload_hash = "UNSIGNED-PAYLOAD";
  } else if (is_hex_sha256(payload_hash)) {
    result.payload = PayloadMode::kSha256;
    result.payload_sha256 = ascii_lowercase(payload_hash);
  } else {
    throw S3Error(S3ErrorCode::kInvalidArgument,
                  "A presigned request must use UNSIGNED-PAYLOAD or a sha256 payload hash.");
  }

  refuse_unsigned_amz_headers(head, parsed->signed_headers, true);
  auto headers = signed_header_values(head, parsed->signed_headers);

  // The signature is a function of exactly these bytes and the key: when the
  // same URL (with the same signed header values) was verified before under
  // the same key set, it verifies again. Clients fetching a model through one
  // presigned URL in many Range requests pay for the HMACs once.
  std::string verified_key;
  verified_key.reserve(raw_path.size() + raw_query.size() + 96);
  verified_key.append(head.method_string()).append(1, ' ').append(raw_path).append(1, '?');
  verified_key.append(raw_query).append(1, '\n').append(payload_hash);
  for (const auto& [name, value] : headers)
    verified_key.append(1, '\n').append(name).append(1, ':').append(value);
  const uint64_t generation = key_generation_.load(std::memory_order_acquire);
  if (verified_presigned_urls().contains(verified_key, generation)) return result;

  auto canonical = canonical_request_of(head, raw_path, raw_query, headers, parsed->signed_headers,
                                        payload_hash, /*presigned=*/true);
  if (!canonical) {
    throw S3Error(S3ErrorCode::kAuthorizationQueryParametersError,
                  "A header listed in X-Amz-SignedHeaders is missing, or the URL is malformed.");
  }
  std::string to_sign = string_to_sign(parsed->amz_date, scope.scope(), *canonical);
  std::string expected = sign(signing_key(key, scope), to_sign);
  if (!constant_time_equal(expected, parsed->signature)) {
    throw signature_mismatch(*canonical, to_sign);
  }
  verified_presigned_urls().insert(std::move(verified_key), generation);
  return result;
}

AuthResult Authenticator::authenticate_presigned_v2(const RequestHead& head,
                                                    std::string_view raw_path,
                                                    const QueryParams& query,
                                                    int64_t now_seconds) const {
  const std::string& access_key_id = *find_param(query, "AWSAccessKeyId");
  const std::string& signature = *find_param(query, "Signature");
  const std::string* expires_text = find_param(query, "Expires");
  int64_t expires = 0;
  if (!expires_text || !is_ascii_digits(*expires_text) || expires_text->size() > 12) {
    throw S3Error(S3ErrorCode::kAccessDenied,
                  "Query-string authentication requires the Signature, Expires and "
                  "AWSAccessKeyId parameters");
  }
  expires = std::stoll(*expires_text);
  if (expires - now_seconds > config_.max_presigned_expiry_seconds) {
    throw S3Error(S3ErrorCode::kAccessDenied,
                  "Expires must be less than a week (in seconds) that is 604800 from now");
  }
  auto keys = this->keys();
  const AccessKey* key = keys->find(access_key_id);
  if (!key) throw S3Error(S3ErrorCode::kInvalidAccessKeyId);
  if (now_seconds > expires) {
    throw S3Error(S3ErrorCode::kAccessDenied, "Request has expired")
        .with("Expires", format_iso8601(expires * 1'000'000'000))
        .with("ServerTime", format_iso8601(now_seconds * 1'000'000'000));
  }
  std::string to_sign = sigv2_string_to_sign(head, raw_path, query, *expires_text);
  if (!constant_time_equal(sigv2_signature(key->secret_access_key, to_sign), signature)) {
    throw S3Error(S3ErrorCode::kSignatureDoesNotMatch).with("StringToSign", to_sign);
  }
  AuthResult result;
  result.key = *key;
  result.presigned = true;
  result.signature_v2 = true;
  result.payload = PayloadMode::kUnsigned;
  return result;
}

}  // namespace moss::s3
