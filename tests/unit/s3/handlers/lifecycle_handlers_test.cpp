// Bucket lifecycle through S3Service::handle: PutBucketLifecycleConfiguration,
// GetBucketLifecycleConfiguration and DeleteBucketLifecycle, the integrity
// header they require, malformed and invalid rules, and POST
// /_moss/lifecycle/run answering with what the worker did.
#include <gtest/gtest.h>

#include "unit/support/service_fixture.h"

namespace moss::testing {
namespace {

const std::string kRules =
    "<LifecycleConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
    "<Rule><ID>expire-tmp</ID><Filter><Prefix>tmp/</Prefix></Filter><Status>Enabled</Status>"
    "<Expiration><Days>30</Days></Expiration></Rule>"
    "</LifecycleConfiguration>";

class LifecycleHandlersTest : public ServiceFixture {
 protected:
  LifecycleHandlersTest() { create_bucket("models"); }
  Response put_lifecycle(const std::string& xml) {
    return request(bhttp::verb::put, "/models?lifecycle", {{"Content-MD5", content_md5(xml)}}, xml);
  }
};

TEST_F(LifecycleHandlersTest, StoredRulesAreReadBack) {
  ASSERT_EQ(put_lifecycle(kRules).status, 200);
  auto res = request(bhttp::verb::get, "/models?lifecycle");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.xml("/LifecycleConfiguration/Rule/ID"), "expire-tmp");
  EXPECT_EQ(res.xml("/LifecycleConfiguration/Rule/Filter/Prefix"), "tmp/");
  EXPECT_EQ(res.xml("/LifecycleConfiguration/Rule/Expiration/Days"), "30");
  EXPECT_EQ(res.xml("/LifecycleConfiguration/Rule/Status"), "Enabled");
}

TEST_F(LifecycleHandlersTest, BucketWithoutRulesIsNoSuchLifecycleConfiguration) {
  auto res = request(bhttp::verb::get, "/models?lifecycle");
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(res.error_code(), "NoSuchLifecycleConfiguration");
}

TEST_F(LifecycleHandlersTest, DeletedRulesAreGone) {
  ASSERT_EQ(put_lifecycle(kRules).status, 200);
  EXPECT_EQ(request(bhttp::verb::delete_, "/models?lifecycle").status, 204);
  EXPECT_EQ(request(bhttp::verb::get, "/models?lifecycle").error_code(),
            "NoSuchLifecycleConfiguration");
}

TEST_F(LifecycleHandlersTest, MalformedConfigurationIsMalformedXmlAndNothingStored) {
  auto res =
      put_lifecycle("<LifecycleConfiguration><Rule><Bogus/></Rule></LifecycleConfiguration>");
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(res.error_code(), "MalformedXML");
  EXPECT_EQ(request(bhttp::verb::get, "/models?lifecycle").status, 404);
}

TEST_F(LifecycleHandlersTest, ZeroExpirationDaysIsInvalidArgument) {
  std::string rules = kRules;
  rules.replace(rules.find("<Days>30"), 8, "<Days>0");
  EXPECT_EQ(put_lifecycle(rules).error_code(), "InvalidArgument");
}

TEST_F(LifecycleHandlersTest, RulesWithoutContentMd5AreInvalidRequest) {
  auto res = request(bhttp::verb::put, "/models?lifecycle", {}, kRules);
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(res.error_code(), "InvalidRequest");
}

TEST_F(LifecycleHandlersTest, LifecycleOfMissingBucketIsNoSuchBucket) {
  EXPECT_EQ(
      request(bhttp::verb::put, "/nobody?lifecycle", {{"Content-MD5", content_md5(kRules)}}, kRules)
          .error_code(),
      "NoSuchBucket");
}

TEST_F(LifecycleHandlersTest, RunningTheWorkerReportsTheBucketsWithRules) {
  ASSERT_EQ(put_lifecycle(kRules).status, 200);
  // Running the worker is moss:Admin: the test key becomes an administrator.
  auto keys = std::make_shared<s3::CredentialStore>();
  keys->add(
      {kTestKey.access_key_id, kTestKey.secret_access_key, "tester", s3::administrator_policy()});
  service().state().authenticator->replace_keys(keys);
  auto res = request(bhttp::verb::post, "/_moss/lifecycle/run");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.header("Content-Type"), "application/json");
  auto doc = res.json();
  EXPECT_EQ(doc["buckets"], 1);
  EXPECT_EQ(doc["current_versions_expired"], 0);
  EXPECT_TRUE(doc["clock"].is_string());
}

}  // namespace
}  // namespace moss::testing
