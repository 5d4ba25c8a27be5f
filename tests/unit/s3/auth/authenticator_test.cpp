// Authenticator: who sent a request, with the clock pinned. Covers SigV4 in
// the Authorization header (good signature, wrong secret, unknown key, clock
// skew, malformed header, wrong region, tampering), SigV4 presigned URLs
// (valid, expired, tampered, over-long expiry), SigV2 presigned URLs,
// anonymous requests, key rotation, and the payload mode each request
// reports to the payload reader.
#include "moss/s3/authenticator.h"

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <ostream>

#include "moss/util/time_format.h"
#include "moss/util/uri.h"
#include "s3/errors.h"
#include "unit/support/s3_error_testing.h"
#include "unit/support/sigv4_request.h"

namespace moss::s3 {

namespace {

using ::moss::testing::presign_target;
using ::moss::testing::presign_v2_target;
using ::moss::testing::sign_request;
using ::moss::testing::split_target;
using ::moss::testing::TestKey;
namespace bhttp = boost::beast::http;

constexpr int64_t kNow = 1767225600;  // 2026-01-01T00:00:00Z
constexpr std::string_view kHost = "localhost:9000";
const TestKey kKey{"AKIDAUTHTEST", "auth-test-secret"};

std::shared_ptr<const CredentialStore> keys_with(const TestKey& key) {
  auto keys = std::make_shared<CredentialStore>();
  keys->add({key.access_key_id, key.secret_access_key, "tester"});
  return keys;
}

RequestHead make_head(bhttp::verb method, std::string_view target) {
  RequestHead head;
  head.method(method);
  head.target(target);
  head.version(11);
  head.set(bhttp::field::host, kHost);
  return head;
}

// A GET of /bucket/key signed at `signed_at` with `key`.
RequestHead signed_get(const TestKey& key = kKey, int64_t signed_at = kNow,
                       std::string_view payload_hash = signing::kEmptyPayloadSha256) {
  auto head = make_head(bhttp::verb::get, "/bucket/key");
  sign_request(head, key, signed_at, payload_hash);
  return head;
}

class AuthenticatorTest : public ::testing::Test {
 protected:
  AuthResult authenticate(const RequestHead& head, int64_t now = kNow) {
    auto [path, query] = split_target(head.target());
    auto params = parse_query(query).value();
    return auth_.authenticate(head, path, query, params, now);
  }
  // The code authenticate() threw, nullopt when it accepted the request.
  std::optional<S3ErrorCode> error_of(const RequestHead& head, int64_t now = kNow) {
    try {
      authenticate(head, now);
    } catch (const S3Error& e) {
      return e.code();
    }
    return std::nullopt;
  }

  Authenticator auth_{keys_with(kKey), Authenticator::Config{}};
};

// --- The Authorization header.

TEST_F(AuthenticatorTest, HeaderSignedRequestIsAuthenticatedAsItsKey) {
  auto result = authenticate(signed_get());
  EXPECT_EQ(result.key.access_key_id, kKey.access_key_id);
  EXPECT_EQ(result.key.name, "tester");
  EXPECT_FALSE(result.presigned);
}

TEST_F(AuthenticatorTest, WrongSecretIsSignatureDoesNotMatch) {
  EXPECT_EQ(error_of(signed_get({kKey.access_key_id, "not-the-secret"})),
            S3ErrorCode::kSignatureDoesNotMatch);
}

TEST_F(AuthenticatorTest, SignatureMismatchCarriesTheStringToSign) {
  try {
    authenticate(signed_get({kKey.access_key_id, "not-the-secret"}));
    FAIL() << "authenticated with the wrong secret";
  } catch (const S3Error& e) {
    bool has_string_to_sign = false;
    for (const auto& [name, value] : e.details()) {
      if (name == "StringToSign") {
        has_string_to_sign = true;
        EXPECT_TRUE(value.starts_with("AWS4-HMAC-SHA256\n20260101T000000Z\n")) << value;
      }
    }
    EXPECT_TRUE(has_string_to_sign);
  }
}

TEST_F(AuthenticatorTest, UnknownAccessKeyIsInvalidAccessKeyId) {
  EXPECT_EQ(error_of(signed_get({"AKIDNOBODY", kKey.secret_access_key})),
            S3ErrorCode::kInvalidAccessKeyId);
}

TEST_F(AuthenticatorTest, RequestSignedSixteenMinutesAgoIsRequestTimeTooSkewed) {
  EXPECT_EQ(error_of(signed_get(kKey, kNow - 16 * 60)), S3ErrorCode::kRequestTimeTooSkewed);
}

TEST_F(AuthenticatorTest, RequestSignedSixteenMinutesAheadIsRequestTimeTooSkewed) {
  EXPECT_EQ(error_of(signed_get(kKey, kNow + 16 * 60)), S3ErrorCode::kRequestTimeTooSkewed);
}

TEST_F(AuthenticatorTest, RequestSignedFourteenMinutesAgoIsWithinTheAllowedSkew) {
  EXPECT_EQ(error_of(signed_get(kKey, kNow - 14 * 60)), std::nullopt);
}

TEST_F(AuthenticatorTest, MalformedAuthorizationIsAuthorizationHeaderMalformed) {
  auto head = signed_get();
  head.set(bhttp::field::authorization, "AWS4-HMAC-SHA256 Credential=garbage");
  EXPECT_EQ(error_of(head), S3ErrorCode::kAuthorizationHeaderMalformed);
}

TEST_F(AuthenticatorTest, CredentialForAnotherRegionIsAuthorizationHeaderMalformed) {
  auto head = make_head(bhttp::verb::get, "/bucket/key");
  sign_request(head, kKey, kNow, signing::kEmptyPayloadSha256, "eu-west-1");
  EXPECT_EQ(error_of(head), S3ErrorCode::kAuthorizationHeaderMalformed);
}

TEST_F(AuthenticatorTest, SigV2AuthorizationHeaderIsInvalidRequest) {
  auto head = make_head(bhttp::verb::get, "/bucket/key");
  head.set(bhttp::field::authorization, "AWS AKIDAUTHTEST:c2lnbmF0dXJl");
  EXPECT_EQ(error_of(head), S3ErrorCode::kInvalidRequest);
}

// --- Bearer tokens (Hugging Face clients).

TEST(BearerTokens, ATokenAuthenticatesAsTheKeyHoldingIt) {
  auto keys = std::make_shared<CredentialStore>();
  AccessKey key{"AKIDBEARER01", "bearer-secret", "hub-reader"};
  key.tokens = {"hf_bearer_token_0000000001"};
  ASSERT_TRUE(keys->add(key));
  Authenticator auth(keys, Authenticator::Config{});
  for (const char* scheme : {"Bearer ", "bearer  "}) {
    auto head = make_head(bhttp::verb::get, "/org/m/resolve/main/config.json");
    head.set(bhttp::field::authorization, std::string(scheme) + "hf_bearer_token_0000000001");
    const AuthResult result = auth.authenticate(head, "/org/m/resolve/main/config.json", "", {}, kNow);
    EXPECT_TRUE(result.bearer) << scheme;
    EXPECT_FALSE(result.anonymous);
    EXPECT_EQ(result.key.access_key_id, "AKIDBEARER01");
    EXPECT_EQ(result.key.name, "hub-reader");
  }
}

TEST_F(AuthenticatorTest, ATokenNoKeyHoldsIsUnauthorized) {
  auto head = make_head(bhttp::verb::get, "/org/m/resolve/main/config.json");
  head.set(bhttp::field::authorization, "Bearer hf_nobody_holds_this_token");
  EXPECT_EQ(error_of(head), S3ErrorCode::kUnauthorized);
  head.set(bhttp::field::authorization, "Bearer ");
  EXPECT_EQ(error_of(head), S3ErrorCode::kUnauthorized);
}

TEST_F(AuthenticatorTest, SignedHeaderChangedAfterSigningIsSignatureDoesNotMatch) {
  auto head = make_head(bhttp::verb::get, "/bucket/key");
  head.set("x-amz-meta-owner", "alice");
  sign_request(head, kKey, kNow, signing::kEmptyPayloadSha256);
  head.set("x-amz-meta-owner", "mallory");
  EXPECT_EQ(error_of(head), S3ErrorCode::kSignatureDoesNotMatch);
}

TEST_F(AuthenticatorTest, PathChangedAfterSigningIsSignatureDoesNotMatch) {
  auto head = signed_get();
  head.target("/bucket/other-key");
  EXPECT_EQ(error_of(head), S3ErrorCode::kSignatureDoesNotMatch);
}

TEST_F(AuthenticatorTest, ReplacedKeySetNoLongerAcceptsTheOldKey) {
  EXPECT_EQ(error_of(signed_get()), std::nullopt);
  auth_.replace_keys(keys_with({"AKIDROTATED", "rotated-secret"}));
  EXPECT_EQ(error_of(signed_get()), S3ErrorCode::kInvalidAccessKeyId);
  EXPECT_EQ(error_of(signed_get({"AKIDROTATED", "rotated-secret"})), std::nullopt);
}

// --- Presigned URLs (SigV4 query form).

TEST_F(AuthenticatorTest, PresignedUrlWithinItsExpiryIsAuthenticated) {
  auto target = presign_target("GET", "/bucket/key", kHost, kKey, kNow, 600);
  auto result = authenticate(make_head(bhttp::verb::get, target), kNow + 599);
  EXPECT_TRUE(result.presigned);
  EXPECT_EQ(result.key.access_key_id, kKey.access_key_id);
  EXPECT_EQ(result.payload, PayloadMode::kUnsigned);
}

TEST_F(AuthenticatorTest, PresignedUrlPastItsExpiryIsAccessDenied) {
  auto target = presign_target("GET", "/bucket/key", kHost, kKey, kNow, 600);
  EXPECT_EQ(error_of(make_head(bhttp::verb::get, target), kNow + 601), S3ErrorCode::kAccessDenied);
}

TEST_F(AuthenticatorTest, PresignedUrlWithAnAddedParameterIsSignatureDoesNotMatch) {
  auto target = presign_target("GET", "/bucket/key", kHost, kKey, kNow, 600);
  EXPECT_EQ(error_of(make_head(bhttp::verb::get, target + "&response-content-type=text%2Fhtml")),
            S3ErrorCode::kSignatureDoesNotMatch);
}

TEST_F(AuthenticatorTest, PresignedUrlWithALongerExpiryThanSignedIsSignatureDoesNotMatch) {
  auto target = presign_target("GET", "/bucket/key", kHost, kKey, kNow, 600);
  auto tampered = target.replace(target.find("X-Amz-Expires=600"), 17, "X-Amz-Expires=900");
  EXPECT_EQ(error_of(make_head(bhttp::verb::get, tampered), kNow + 700),
            S3ErrorCode::kSignatureDoesNotMatch);
}

TEST_F(AuthenticatorTest, PresignedUrlUsedWithAnotherMethodIsSignatureDoesNotMatch) {
  auto target = presign_target("GET", "/bucket/key", kHost, kKey, kNow, 600);
  EXPECT_EQ(error_of(make_head(bhttp::verb::delete_, target)), S3ErrorCode::kSignatureDoesNotMatch);
}

TEST_F(AuthenticatorTest, PresignedExpiryOverAWeekIsAccessDenied) {
  auto target = presign_target("GET", "/bucket/key", kHost, kKey, kNow, 8 * 24 * 3600);
  EXPECT_EQ(error_of(make_head(bhttp::verb::get, target)), S3ErrorCode::kAccessDenied);
}

TEST_F(AuthenticatorTest, PresignedExpiryOfZeroIsAccessDeniedForGetAndPut) {
  for (auto method : {bhttp::verb::get, bhttp::verb::put}) {
    auto target = presign_target(method == bhttp::verb::get ? "GET" : "PUT", "/bucket/key", kHost,
                                 kKey, kNow, 0);
    EXPECT_EQ(error_of(make_head(method, target)), S3ErrorCode::kAccessDenied);
  }
}

TEST_F(AuthenticatorTest, NegativePresignedExpiryIsAccessDenied) {
  auto target = presign_target("GET", "/bucket/key", kHost, kKey, kNow, 600);
  auto negative = target.replace(target.find("X-Amz-Expires=600"), 17, "X-Amz-Expires=-60");
  EXPECT_EQ(error_of(make_head(bhttp::verb::get, negative)), S3ErrorCode::kAccessDenied);
}

TEST_F(AuthenticatorTest, PresignedUrlOfUnknownKeyIsInvalidAccessKeyId) {
  auto target =
      presign_target("GET", "/bucket/key", kHost, {"AKIDNOBODY", "whatever-secret"}, kNow, 600);
  EXPECT_EQ(error_of(make_head(bhttp::verb::get, target)), S3ErrorCode::kInvalidAccessKeyId);
}

TEST_F(AuthenticatorTest, VerifiedPresignedUrlIsRejectedOnceItsKeyIsRotated) {
  // The URL is verified once and remembered; a new secret for the same key
  // id must not let the remembered verification stand.
  auto target = presign_target("GET", "/bucket/key", kHost, kKey, kNow, 600);
  ASSERT_EQ(error_of(make_head(bhttp::verb::get, target)), std::nullopt);
  auth_.replace_keys(keys_with({kKey.access_key_id, "a-brand-new-secret"}));
  EXPECT_EQ(error_of(make_head(bhttp::verb::get, target)), S3ErrorCode::kSignatureDoesNotMatch);
}

// --- SigV2 presigned URLs.

TEST_F(AuthenticatorTest, SigV2PresignedUrlBeforeItsExpiryIsAuthenticated) {
  auto result =
      authenticate(make_head(bhttp::verb::get, presign_v2_target("/bucket/key", kKey, kNow + 60)));
  EXPECT_TRUE(result.presigned);
  EXPECT_EQ(result.key.access_key_id, kKey.access_key_id);
  EXPECT_EQ(result.payload, PayloadMode::kUnsigned);
}

TEST_F(AuthenticatorTest, SigV2PresignedUrlPastItsExpiryIsAccessDenied) {
  auto head = make_head(bhttp::verb::get, presign_v2_target("/bucket/key", kKey, kNow - 1));
  EXPECT_EQ(error_of(head), S3ErrorCode::kAccessDenied);
}

TEST_F(AuthenticatorTest, SigV2PresignedUrlWithWrongSecretIsSignatureDoesNotMatch) {
  auto head =
      make_head(bhttp::verb::get,
                presign_v2_target("/bucket/key", {kKey.access_key_id, "wrong-secret"}, kNow + 60));
  EXPECT_EQ(error_of(head), S3ErrorCode::kSignatureDoesNotMatch);
}

// --- Anonymous requests.

TEST_F(AuthenticatorTest, UnsignedRequestIsAnonymousWithNoKey) {
  // Authorization then allows it only what is marked public-read.
  auto result = authenticate(make_head(bhttp::verb::get, "/bucket/key"));
  EXPECT_TRUE(result.anonymous);
  EXPECT_EQ(result.key.name, "anonymous");
  EXPECT_TRUE(result.key.access_key_id.empty());
  EXPECT_FALSE(result.key.policy);
}

// --- The payload mode reported to the payload reader.

TEST_F(AuthenticatorTest, UnsignedPayloadIsReportedAsUnsigned) {
  auto result = authenticate(signed_get(kKey, kNow, "UNSIGNED-PAYLOAD"));
  EXPECT_EQ(result.payload, PayloadMode::kUnsigned);
  EXPECT_FALSE(result.chunk_signing);
}

TEST_F(AuthenticatorTest, Sha256PayloadIsReportedWithItsHashInLowercase) {
  const std::string hash = "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08";
  auto result = authenticate(signed_get(kKey, kNow, hash));
  EXPECT_EQ(result.payload, PayloadMode::kSha256);
  EXPECT_EQ(result.payload_sha256,
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
}

TEST_F(AuthenticatorTest, SignedStreamingPayloadCarriesTheSeedSignature) {
  auto head = make_head(bhttp::verb::put, "/bucket/key");
  head.set("x-amz-decoded-content-length", "5");
  const std::string signature =
      sign_request(head, kKey, kNow, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD");
  auto result = authenticate(head);
  EXPECT_EQ(result.payload, PayloadMode::kStreamingSigned);
  ASSERT_TRUE(result.chunk_signing);
  EXPECT_EQ(result.chunk_signing->seed_signature, signature);
  EXPECT_EQ(result.chunk_signing->amz_date, "20260101T000000Z");
  EXPECT_EQ(result.chunk_signing->scope, "20260101/us-east-1/s3/aws4_request");
}

TEST_F(AuthenticatorTest, SignedStreamingTrailerPayloadIsReported) {
  auto result = authenticate(signed_get(kKey, kNow, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"));
  EXPECT_EQ(result.payload, PayloadMode::kStreamingSignedTrailer);
  EXPECT_TRUE(result.chunk_signing);
}

TEST_F(AuthenticatorTest, UnsignedStreamingTrailerPayloadHasNoChunkSigning) {
  auto result = authenticate(signed_get(kKey, kNow, "STREAMING-UNSIGNED-PAYLOAD-TRAILER"));
  EXPECT_EQ(result.payload, PayloadMode::kStreamingUnsignedTrailer);
  EXPECT_FALSE(result.chunk_signing);
}

TEST_F(AuthenticatorTest, PayloadHashThatIsNeitherModeNorSha256IsInvalidArgument) {
  EXPECT_EQ(error_of(signed_get(kKey, kNow, "not-a-hash")), S3ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace moss::s3
