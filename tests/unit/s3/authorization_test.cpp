// Authorization in the front door, through a real S3Service: the test key
// (no policy) owns what it creates; alice (no policy) is another account; the
// example file's keys carry policies.
#include <gtest/gtest.h>

#include "moss/s3/authenticator.h"
#include "s3/errors.h"
#include "s3/request_context.h"
#include "unit/s3/auth/example_credentials.h"
#include "unit/support/service_fixture.h"

namespace moss::testing {
namespace {

const TestKey kAlice{"ALICEKEY0000", "alicesecret00"};
const TestKey kReader{"INFERKEY0000", "infersecret00"};
const TestKey kPublisher{"CIPUBKEY0000", "cipubsecret00"};
const TestKey kAdmin{"ADMINKEY0000", "adminsecret000"};

class AuthorizationTest : public ServiceFixture {
 protected:
  AuthorizationTest() {
    auto keys = s3::CredentialStore::from_json(kExampleCredentials);
    EXPECT_TRUE(keys) << keys.error();
    keys->add({kTestKey.access_key_id, kTestKey.secret_access_key, "tester"});
    keys->add({kAlice.access_key_id, kAlice.secret_access_key, "alice"});
    service().state().authenticator->replace_keys(
        std::make_shared<s3::CredentialStore>(std::move(*keys)));
  }

  Response as(const TestKey& key, bhttp::verb method, const std::string& target,
              HeaderPairs headers = {}, std::string body = {}) {
    auto head = make_head(method, target, headers, body.size());
    sign_request(head, key, now_unix_seconds(), sha256_hex(body));
    return send(std::move(head), std::move(body));
  }
  std::string metrics() { return metrics_.render(); }
};

TEST_F(AuthorizationTest, KeyWithoutPolicyCannotTouchAnotherKeysBucket) {
  create_bucket("testers");
  ASSERT_EQ(put_object("testers", "a.txt", "hello").status, 200);

  EXPECT_EQ(as(kAlice, bhttp::verb::get, "/testers/a.txt").error_code(), "AccessDenied");
  EXPECT_EQ(as(kAlice, bhttp::verb::head, "/testers/a.txt").status, 403);
  EXPECT_EQ(as(kAlice, bhttp::verb::head, "/testers").status, 403);
  EXPECT_EQ(as(kAlice, bhttp::verb::put, "/testers/b.txt", {}, "x").error_code(), "AccessDenied");
  EXPECT_EQ(as(kAlice, bhttp::verb::delete_, "/testers/a.txt").error_code(), "AccessDenied");
  EXPECT_EQ(as(kAlice, bhttp::verb::get, "/testers").error_code(), "AccessDenied");
  EXPECT_EQ(get_object("testers", "a.txt").body, "hello");

  auto taken = as(kAlice, bhttp::verb::put, "/testers");
  EXPECT_EQ(taken.status, 409);
  EXPECT_EQ(taken.error_code(), "BucketAlreadyExists");
  // The owner creating it again: S3's legacy 200 in us-east-1, the fixture's region.
  EXPECT_EQ(request(bhttp::verb::put, "/testers").status, 200);

  EXPECT_EQ(as(kAlice, bhttp::verb::put, "/alices").status, 200);
  EXPECT_EQ(as(kAlice, bhttp::verb::put, "/alices/mine.txt", {}, "mine").status, 200);
  auto alice_list = as(kAlice, bhttp::verb::get, "/");
  EXPECT_EQ(alice_list.xml_all("//Bucket/Name"), std::vector<std::string>{"alices"});
  auto tester_list = request(bhttp::verb::get, "/");
  EXPECT_EQ(tester_list.xml_all("//Bucket/Name"), std::vector<std::string>{"testers"});
  // The admin policy sees every bucket.
  EXPECT_EQ(as(kAdmin, bhttp::verb::get, "/").xml_all("//Bucket/Name").size(), 2u);
  EXPECT_EQ(as(kAdmin, bhttp::verb::get, "/alices/mine.txt").body, "mine");

  EXPECT_NE(metrics().find("moss_authz_denied_total{action=\"s3:GetObject\"} 2"), std::string::npos)
      << metrics();
}

TEST_F(AuthorizationTest, ReaderPolicyDecidesEveryRequest) {
  ASSERT_EQ(as(kAdmin, bhttp::verb::put, "/models").status, 200);
  ASSERT_EQ(as(kAdmin, bhttp::verb::put, "/models/llama-3-8b/config.json", {}, "{}").status, 200);
  ASSERT_EQ(as(kAdmin, bhttp::verb::put, "/models/llama-3-8b/internal/x", {}, "s").status, 200);
  ASSERT_EQ(as(kAdmin, bhttp::verb::put, "/models/mistral-7b/config.json", {}, "{}").status, 200);

  EXPECT_EQ(as(kReader, bhttp::verb::get, "/models/llama-3-8b/config.json").status, 200);
  EXPECT_EQ(as(kReader, bhttp::verb::get, "/models/llama-3-8b/internal/x").status, 403);
  EXPECT_EQ(as(kReader, bhttp::verb::get, "/models/mistral-7b/config.json").status, 403);
  EXPECT_EQ(as(kReader, bhttp::verb::put, "/models/llama-3-8b/new", {}, "x").status, 403);
  EXPECT_EQ(as(kReader, bhttp::verb::get, "/models?list-type=2&prefix=llama-3-8b/").status, 200);
  EXPECT_EQ(as(kReader, bhttp::verb::post, "/_moss/lifecycle/run").status, 403);
  EXPECT_EQ(as(kPublisher, bhttp::verb::post, "/_moss/lifecycle/run").status, 403);
  EXPECT_EQ(as(kAdmin, bhttp::verb::post, "/_moss/lifecycle/run").status, 200);
  // The publisher may write in models, not elsewhere.
  EXPECT_EQ(as(kPublisher, bhttp::verb::put, "/models/mistral-7b/w", {}, "w").status, 200);
  EXPECT_EQ(as(kPublisher, bhttp::verb::put, "/other").status, 403);
}

TEST_F(AuthorizationTest, CopyNeedsReadOnTheSource) {
  ASSERT_EQ(as(kAdmin, bhttp::verb::put, "/models").status, 200);
  ASSERT_EQ(as(kAdmin, bhttp::verb::put, "/secrets").status, 200);
  ASSERT_EQ(as(kAdmin, bhttp::verb::put, "/secrets/s", {}, "secret").status, 200);
  auto copy =
      as(kPublisher, bhttp::verb::put, "/models/stolen", {{"x-amz-copy-source", "/secrets/s"}});
  EXPECT_EQ(copy.error_code(), "AccessDenied");
  EXPECT_EQ(as(kAdmin, bhttp::verb::get, "/models/stolen").status, 404);
}

TEST_F(AuthorizationTest, DeleteObjectsReportsDeniedKeysAndDeletesTheRest) {
  ASSERT_EQ(as(kAdmin, bhttp::verb::put, "/models").status, 200);
  ASSERT_EQ(as(kAdmin, bhttp::verb::put, "/models/llama-3-8b/a", {}, "a").status, 200);
  // A policy allowing deletes under llama-3-8b/ only.
  auto keys = s3::CredentialStore::from_json(R"({"keys": [
    {"access_key_id": "ADMINKEY0000", "secret_access_key": "adminsecret000",
     "policy": {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}},
    {"access_key_id": "PRUNER", "secret_access_key": "prunersecret",
     "policy": {"Statement": [{"Effect": "Allow", "Action": "s3:DeleteObject",
                               "Resource": "arn:aws:s3:::models/llama-3-8b/*"}]}}]})");
  ASSERT_TRUE(keys) << keys.error();
  service().state().authenticator->replace_keys(
      std::make_shared<s3::CredentialStore>(std::move(*keys)));
  ASSERT_EQ(as(kAdmin, bhttp::verb::put, "/models/mistral-7b/b", {}, "b").status, 200);
  const std::string body =
      "<Delete><Object><Key>llama-3-8b/a</Key></Object>"
      "<Object><Key>mistral-7b/b</Key></Object></Delete>";
  auto res = as({"PRUNER", "prunersecret"}, bhttp::verb::post, "/models?delete",
                {{"Content-MD5", content_md5(body)}}, body);
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.xml_all("//Deleted/Key"), std::vector<std::string>{"llama-3-8b/a"});
  EXPECT_EQ(res.xml_all("//Error/Key"), std::vector<std::string>{"mistral-7b/b"});
  EXPECT_EQ(res.xml("//Error/Code"), "AccessDenied");
  EXPECT_EQ(as(kAdmin, bhttp::verb::get, "/models/mistral-7b/b").body, "b");
  EXPECT_EQ(as(kAdmin, bhttp::verb::get, "/models/llama-3-8b/a").status, 404);
  EXPECT_NE(metrics().find("moss_authz_denied_total{action=\"s3:DeleteObject\"} 1"),
            std::string::npos);
}

TEST_F(AuthorizationTest, PresignedUrlWithAnUnsignedAmzHeaderIsRefused) {
  create_bucket("bkt");
  ASSERT_EQ(put_object("bkt", "secret", "secret").status, 200);
  const std::string url = presign(bhttp::verb::put, "/bkt/uploads/u1/avatar.bin");
  auto attack =
      send(make_head(bhttp::verb::put, url, {{"x-amz-copy-source", "/bkt/secret"}}, 0), "");
  EXPECT_EQ(attack.status, 403);
  EXPECT_EQ(attack.xml("/Error/Message"),
            "There were headers present in the request which were not signed");
  EXPECT_EQ(attack.xml("/Error/HeadersNotSigned"), "x-amz-copy-source");
  EXPECT_EQ(get_object("bkt", "uploads/u1/avatar.bin").status, 404);
  // The URL still works as meant, also with an unsigned payload hash header.
  EXPECT_EQ(
      send(make_head(bhttp::verb::put, url, {{"x-amz-content-sha256", "UNSIGNED-PAYLOAD"}}, 4),
           "data")
          .status,
      200);
}

TEST_F(AuthorizationTest, HeaderSignedRequestWithAnUnsignedAmzHeaderIsRefused) {
  create_bucket("bkt");
  auto head = make_head(bhttp::verb::put, "/bkt/k", {}, 1);
  sign_request(head, kTestKey, now_unix_seconds(), sha256_hex("x"));
  head.set("x-amz-meta-added", "later");
  auto res = send(std::move(head), "x");
  EXPECT_EQ(res.status, 403);
  EXPECT_EQ(res.xml("/Error/HeadersNotSigned"), "x-amz-meta-added");
}

TEST_F(AuthorizationTest, SigV2PresignedUrlIsRefusedOnTheRegistryApi) {
  auto res = send(
      make_head(bhttp::verb::get,
                presign_v2_target("/_moss/v1/models", kAdmin, now_unix_seconds() + 600), {}, 0),
      "");
  EXPECT_EQ(res.status, 403);
  EXPECT_EQ(res.json()["error"]["code"], "AccessDenied") << res.body;
}

TEST_F(AuthorizationTest, RegistryShowsOnlyWhatTheKeyMayRead) {
  ASSERT_EQ(as(kAdmin, bhttp::verb::put, "/models").status, 200);
  for (const char* key : {"/models/llama-3-8b/config.json", "/models/mistral-7b/config.json"}) {
    ASSERT_EQ(as(kAdmin, bhttp::verb::put, key, {}, "{}").status, 200);
  }
  for (const char* tag : {"/models/llama-3-8b/tags/latest", "/models/mistral-7b/tags/latest"}) {
    auto res = as(kAdmin, bhttp::verb::put, tag, {}, R"({"target": "config.json"})");
    ASSERT_EQ(res.status, 200) << res.body;
  }
  auto listing = as(kReader, bhttp::verb::get, "/_moss/v1/models?bucket=models");
  ASSERT_EQ(listing.status, 200) << listing.body;
  ASSERT_EQ(listing.json()["models"].size(), 1u) << listing.body;
  EXPECT_EQ(listing.json()["models"][0]["name"], "llama-3-8b");
  EXPECT_EQ(as(kAdmin, bhttp::verb::get, "/_moss/v1/models?bucket=models").json()["models"].size(),
            2u);

  EXPECT_EQ(as(kReader, bhttp::verb::get, "/_moss/v1/tag?model=llama-3-8b&tag=latest").status, 200);
  EXPECT_EQ(as(kReader, bhttp::verb::get, "/_moss/v1/tag?model=mistral-7b&tag=latest").status, 403);
  EXPECT_EQ(as(kReader, bhttp::verb::get, "/_moss/v1/model?name=mistral-7b").status, 403);
  EXPECT_EQ(
      as(kReader, bhttp::verb::post, "/_moss/v1/tag/rollback?model=llama-3-8b&tag=latest").status,
      403);
  EXPECT_EQ(as(kReader, bhttp::verb::delete_, "/_moss/v1/tag?model=llama-3-8b&tag=latest").status,
            403);
  EXPECT_EQ(
      as(kReader, bhttp::verb::get, "/_moss/v1/tag/history?model=llama-3-8b&tag=latest").status,
      200);
}

TEST_F(AuthorizationTest, HandlerThatAuthorizesItselfCannotAnswerWithoutAsking) {
  const s3::Route row{.method = bhttp::verb::get,
                      .operation = s3::Operation::kRegistryGetTag,
                      .name = "RegistryGetTag",
                      .action = "s3:GetObject",
                      .authorizes_in_handler = true,
                      .answers_in_json = true};
  MemoryExchange ex(make_head(bhttp::verb::get, "/_moss/v1/tag", {}, 0));
  s3::RequestContext ctx{ex, service().state()};
  ctx.route = &row;
  try {
    (void)ctx.response_head(bhttp::status::ok);
    ADD_FAILURE() << "a response head was built before any authorization";
  } catch (const s3::S3Error& e) {
    EXPECT_EQ(e.info().code, "AccessDenied");
  }
  ctx.authorized = true;
  EXPECT_EQ(ctx.response_head(bhttp::status::ok).result(), bhttp::status::ok);
}

}  // namespace
}  // namespace moss::testing

namespace moss::testing {
namespace {

class AnonymousTest : public AuthorizationTest {};

TEST_F(AnonymousTest, UnsignedReadsReachOnlyWhatIsPublicRead) {
  create_bucket("pub");
  ASSERT_EQ(put_object("pub", "open", "for all", {{"x-amz-acl", "public-read"}}).status, 200);
  ASSERT_EQ(put_object("pub", "closed", "mine").status, 200);

  EXPECT_EQ(unsigned_request(bhttp::verb::get, "/pub/open").body, "for all");
  EXPECT_EQ(unsigned_request(bhttp::verb::head, "/pub/open").status, 200);
  EXPECT_EQ(unsigned_request(bhttp::verb::get, "/pub/closed").error_code(), "AccessDenied");
  EXPECT_EQ(unsigned_request(bhttp::verb::get, "/pub/missing").error_code(), "AccessDenied");
  EXPECT_EQ(unsigned_request(bhttp::verb::put, "/pub/open", {}, "x").error_code(), "AccessDenied");
  EXPECT_EQ(unsigned_request(bhttp::verb::delete_, "/pub/open").error_code(), "AccessDenied");
  EXPECT_EQ(unsigned_request(bhttp::verb::get, "/pub").error_code(), "AccessDenied");
  EXPECT_EQ(unsigned_request(bhttp::verb::get, "/").error_code(), "AccessDenied");
  EXPECT_EQ(unsigned_request(bhttp::verb::get, "/pub/open?acl").error_code(), "AccessDenied");
  EXPECT_EQ(unsigned_request(bhttp::verb::get, "/pub/open?tagging").error_code(), "AccessDenied");
  EXPECT_EQ(unsigned_request(bhttp::verb::post, "/pub?delete", {}, "<Delete/>").error_code(),
            "AccessDenied");
  EXPECT_EQ(unsigned_request(bhttp::verb::get, "/_moss/v1/models?bucket=pub").status, 403);
  EXPECT_EQ(unsigned_request(bhttp::verb::post, "/_moss/lifecycle/run").status, 403);
  EXPECT_EQ(get_object("pub", "open").body, "for all");
}

TEST_F(AnonymousTest, APublicReadBucketServesEveryObjectButNoListing) {
  ASSERT_EQ(request(bhttp::verb::put, "/mirror", {{"x-amz-acl", "public-read"}}).status, 200);
  ASSERT_EQ(put_object("mirror", "blob", "bytes").status, 200);
  EXPECT_EQ(unsigned_request(bhttp::verb::get, "/mirror/blob").body, "bytes");
  EXPECT_EQ(unsigned_request(bhttp::verb::get, "/mirror/missing").error_code(), "NoSuchKey");
  EXPECT_EQ(unsigned_request(bhttp::verb::get, "/mirror?list-type=2").error_code(), "AccessDenied");
  ASSERT_EQ(request(bhttp::verb::put, "/mirror?acl", {{"x-amz-acl", "private"}}).status, 200);
  EXPECT_EQ(unsigned_request(bhttp::verb::get, "/mirror/blob").error_code(), "AccessDenied");
}

TEST_F(AnonymousTest, PreflightsAreRefusedBeforeAuthentication) {
  auto without_origin = unsigned_request(bhttp::verb::options, "/pub/k");
  EXPECT_EQ(without_origin.status, 400);
  EXPECT_EQ(without_origin.error_code(), "BadRequest");
  auto with_origin = unsigned_request(bhttp::verb::options, "/pub/k", {{"Origin", "https://x"}});
  EXPECT_EQ(with_origin.status, 403);
  EXPECT_EQ(with_origin.error_code(), "AccessForbidden");
}

}  // namespace
}  // namespace moss::testing
