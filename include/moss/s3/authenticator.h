// Decides who sent a request: SigV4 in the Authorization header or in a
// presigned URL's query (or a SigV2 presigned URL, which older SDKs still make
// by default), checked against the credential store and the clock.
// It also reports how the payload is protected, which the payload reader then
// enforces (hash, chunk signatures, trailers). Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "moss/s3/credentials.h"
#include "moss/s3/exchange.h"
#include "moss/signing/sigv4.h"
#include "moss/util/mutex.h"
#include "moss/util/uri.h"

namespace moss::s3 {

using signing::ChunkSigningContext;
using signing::CredentialScope;
using signing::SigningKey;

enum class PayloadMode {
  kUnsigned,                  // UNSIGNED-PAYLOAD, and every presigned request
  kSha256,                    // hex SHA-256 of the body, verified at its end
  kStreamingSigned,           // STREAMING-AWS4-HMAC-SHA256-PAYLOAD
  kStreamingSignedTrailer,    // STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER
  kStreamingUnsignedTrailer,  // STREAMING-UNSIGNED-PAYLOAD-TRAILER
};

struct AuthResult {
  // An unsigned request (no Authorization header, no presigned query): `key`
  // is the nameless "anonymous", which may only read objects marked
  // public-read (s3/authorization.h decides).
  bool anonymous = false;
  AccessKey key;
  bool presigned = false;
  bool signature_v2 = false;  // a SigV2 presigned URL (signs fewer query parameters)
  // `Authorization: Bearer <token>`: one of `key`'s tokens (credentials.h).
  // The front door accepts it on the Hugging Face Hub API only.
  bool bearer = false;
  PayloadMode payload = PayloadMode::kUnsigned;
  std::string payload_sha256;                        // kSha256: expected, lowercase hex
  std::optional<ChunkSigningContext> chunk_signing;  // the signed streaming modes
};

class Authenticator {
 public:
  struct Config {
    std::string region = "us-east-1";
    int64_t max_clock_skew_seconds = 15 * 60;
    int64_t max_presigned_expiry_seconds = 7 * 24 * 3600;
  };

  Authenticator(std::shared_ptr<const CredentialStore> keys, Config config);

  // An unsigned request gets an anonymous result (AuthResult::anonymous).
  // Throws S3Error: AccessDenied (expired URL), InvalidAccessKeyId,
  // SignatureDoesNotMatch, RequestTimeTooSkewed, AuthorizationHeaderMalformed,
  // AccessDenied for an x-amz-* header the signature does not cover,
  // AuthorizationQueryParametersError, InvalidRequest (unsupported scheme),
  // Unauthorized (a bearer token no key holds).
  AuthResult authenticate(const RequestHead& head, std::string_view raw_path,
                          std::string_view raw_query, const QueryParams& query,
                          int64_t now_seconds) const;

  // Swaps in a new key set (credential rotation) without a restart.
  void replace_keys(std::shared_ptr<const CredentialStore> keys);
  std::shared_ptr<const CredentialStore> keys() const;

 private:
  SigningKey signing_key(const AccessKey& key, const CredentialScope& scope) const;
  AuthResult authenticate_bearer(std::string_view token) const;
  AuthResult authenticate_header(const RequestHead& head, std::string_view authorization,
                                 std::string_view raw_path, std::string_view raw_query,
                                 int64_t now_seconds) const;
  AuthResult authenticate_presigned(const RequestHead& head, std::string_view raw_path,
                                    std::string_view raw_query, const QueryParams& query,
                                    int64_t now_seconds) const;
  AuthResult authenticate_presigned_v2(const RequestHead& head, std::string_view raw_path,
                                       const QueryParams& query, int64_t now_seconds) const;
  const AccessKey& find_key(const CredentialScope& scope,
                            const std::shared_ptr<const CredentialStore>& keys) const;

  Config config_;
  mutable Mutex keys_mutex_;
  std::shared_ptr<const CredentialStore> keys_ GUARDED_BY(keys_mutex_);
  mutable Mutex cache_mutex_;
  mutable std::unordered_map<std::string, SigningKey> key_cache_ GUARDED_BY(cache_mutex_);
  // Bumped when the key set is replaced; verified-URL caches key on it.
  std::atomic<uint64_t> key_generation_;
};

}  // namespace moss::s3
