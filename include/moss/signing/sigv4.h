// AWS Signature Version 4 as S3 uses it: the Authorization header form, the
// presigned-URL (query) form, and the signatures of aws-chunked payload chunks and
// trailers. Pure functions; no I/O and no clock: callers pass the time in.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace moss::signing {

using HeaderList = std::vector<std::pair<std::string, std::string>>;  // wire order, any case
using SigningKey = std::array<uint8_t, 32>;

// Hex SHA-256 of zero bytes: the payload hash of a request without a body.
inline constexpr std::string_view kEmptyPayloadSha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// "AKID/20150830/us-east-1/s3/aws4_request"
struct CredentialScope {
  std::string access_key_id;
  std::string date;  // yyyymmdd
  std::string region;
  std::string service;  // "s3" for S3 requests
  // "20150830/us-east-1/s3/aws4_request" (no access key)
  std::string scope() const;
};
std::optional<CredentialScope> parse_credential(std::string_view credential);

// What verifying the chunk signatures of an aws-chunked body needs: the request's
// signing key, time and scope, and the seed (the request headers' signature).
struct ChunkSigningContext {
  SigningKey key;
  std::string amz_date;        // x-amz-date of the request
  std::string scope;           // "20130524/us-east-1/s3/aws4_request"
  std::string seed_signature;  // signature of the request headers
};

// Parsed "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=a;b, Signature=hex".
// Whitespace around commas and '=' is tolerated, parameter order is free.
struct AuthorizationHeader {
  CredentialScope credential;
  std::vector<std::string> signed_headers;  // lowercase, in the order given
  std::string signature;                    // lowercase hex
};
std::optional<AuthorizationHeader> parse_authorization_header(std::string_view value);

// What a canonical request is built from.
struct CanonicalRequestInput {
  std::string_view method;
  // The request path exactly as received (percent-encoded, no query). It is
  // decoded and re-encoded with UriEncode (slashes kept, no normalisation of
  // "." or "..", as S3 signs), so clients that encode differently still match.
  std::string_view raw_path;
  // The raw query string (no '?'). Parameters are decoded, re-encoded, sorted by
  // name then value; for presigned requests X-Amz-Signature is left out.
  std::string_view raw_query;
  const HeaderList* headers = nullptr;
  const std::vector<std::string>* signed_headers = nullptr;
  // x-amz-content-sha256, "UNSIGNED-PAYLOAD" (presigned) or a streaming mode.
  std::string_view payload_hash;
  bool presigned = false;
};
// nullopt when the path or query has a malformed escape or a signed header is
// missing from the request.
std::optional<std::string> canonical_request(const CanonicalRequestInput& in);

// "AWS4-HMAC-SHA256\n<amz_date>\n<scope>\n<hex sha256(canonical_request)>"
std::string string_to_sign(std::string_view amz_date, std::string_view scope,
                           std::string_view canonical_request);

SigningKey derive_signing_key(std::string_view secret_access_key, std::string_view date,
                              std::string_view region, std::string_view service);

// Lowercase hex HMAC-SHA256(key, string_to_sign).
std::string sign(const SigningKey& key, std::string_view string_to_sign);

// STREAMING-AWS4-HMAC-SHA256-PAYLOAD chunk:
// "AWS4-HMAC-SHA256-PAYLOAD\n<amz_date>\n<scope>\n<previous_signature>\n
//  <sha256("")>\n<chunk_sha256_hex>"
std::string chunk_string_to_sign(std::string_view amz_date, std::string_view scope,
                                 std::string_view previous_signature,
                                 std::string_view chunk_sha256_hex);
// Trailer of STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER:
// "AWS4-HMAC-SHA256-TRAILER\n<amz_date>\n<scope>\n<previous_signature>\n
//  <hex sha256(trailer lines, each "name:value\n")>"
std::string trailer_string_to_sign(std::string_view amz_date, std::string_view scope,
                                   std::string_view previous_signature,
                                   std::string_view canonical_trailers);

// Presigned URL parameters (X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date,
// X-Amz-Expires, X-Amz-SignedHeaders, X-Amz-Signature), from decoded query pairs.
struct PresignedQuery {
  CredentialScope credential;
  std::string amz_date;
  int64_t expires_seconds = 0;
  std::vector<std::string> signed_headers;
  std::string signature;
};
enum class PresignedParseError { kNotPresigned, kMalformed, kUnsupportedAlgorithm };
// kNotPresigned when no X-Amz-Signature / X-Amz-Credential is present.
std::optional<PresignedQuery> parse_presigned_query(
    const std::vector<std::pair<std::string, std::string>>& decoded_query,
    PresignedParseError* error);

// Timing-safe comparison of two signatures.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace moss::signing
