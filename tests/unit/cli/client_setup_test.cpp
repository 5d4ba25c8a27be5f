#include "moss/cli/client_setup.h"

#include <gtest/gtest.h>

#include <map>

namespace moss::cli {
namespace {

Getenv environment(std::map<std::string, std::string> vars) {
  auto shared = std::make_shared<std::map<std::string, std::string>>(std::move(vars));
  return [shared](const char* name) -> const char* {
    auto it = shared->find(name);
    return it == shared->end() ? nullptr : it->second.c_str();
  };
}

TEST(ResolveClient, AwsVariablesAndDefaults) {
  auto r = resolve_client(
      {}, environment({{"AWS_ACCESS_KEY_ID", "AK"}, {"AWS_SECRET_ACCESS_KEY", "secret123"}}));
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->config.endpoint.url(), "http://127.0.0.1:9000");
  EXPECT_EQ(r->config.region, "us-east-1");
  EXPECT_EQ(r->bucket, "models");
  EXPECT_EQ(r->config.credentials.access_key_id, "AK");
  EXPECT_EQ(r->secret_key_variable, "AWS_SECRET_ACCESS_KEY");
}

TEST(ResolveClient, MossVariablesWhenNoAwsKey) {
  auto r = resolve_client(
      {}, environment({{"MOSS_ACCESS_KEY_ID", "MK"}, {"MOSS_SECRET_ACCESS_KEY", "secret456"}}));
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->config.credentials.access_key_id, "MK");
  EXPECT_EQ(r->secret_key_variable, "MOSS_SECRET_ACCESS_KEY");
}

TEST(ResolveClient, EndpointPrecedenceIsOptionThenMossThenAws) {
  auto env = environment({{"AWS_ACCESS_KEY_ID", "AK"},
                          {"AWS_SECRET_ACCESS_KEY", "s"},
                          {"MOSS_ENDPOINT", "http://moss:9000"},
                          {"AWS_ENDPOINT_URL", "http://aws:9000"},
                          {"AWS_DEFAULT_REGION", "eu-west-1"}});
  EXPECT_EQ(resolve_client({}, env)->config.endpoint.host, "moss");
  EXPECT_EQ(resolve_client({"http://cli:1"}, env)->config.endpoint.host, "cli");
  EXPECT_EQ(resolve_client({}, env)->config.region, "eu-west-1");
  EXPECT_EQ(resolve_client({"", "ap-south-1"}, env)->config.region, "ap-south-1");
}

TEST(ResolveClient, MissingOrHalfCredentialsAreExplained) {
  auto none = resolve_client({}, environment({}));
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().find("AWS_ACCESS_KEY_ID"), std::string::npos);
  auto half = resolve_client({}, environment({{"AWS_ACCESS_KEY_ID", "AK"}}));
  ASSERT_FALSE(half);
  EXPECT_NE(half.error().find("AWS_SECRET_ACCESS_KEY"), std::string::npos);
}

TEST(ResolveClient, BadEndpointIsExplained) {
  auto r = resolve_client(
      {"ftp://moss"}, environment({{"AWS_ACCESS_KEY_ID", "AK"}, {"AWS_SECRET_ACCESS_KEY", "s"}}));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("https://"), std::string::npos);
}

TEST(ResolveClient, CaFileComesFromTheOptionThenMossThenAwsVariables) {
  auto env = environment({{"AWS_ACCESS_KEY_ID", "AK"},
                          {"AWS_SECRET_ACCESS_KEY", "s"},
                          {"MOSS_CA_FILE", "/moss-ca.crt"},
                          {"AWS_CA_BUNDLE", "/aws-ca.crt"}});
  ClientOptions options;
  options.endpoint = "https://moss";
  auto from_env = resolve_client(options, env);
  ASSERT_TRUE(from_env);
  EXPECT_TRUE(from_env->config.endpoint.https);
  EXPECT_EQ(from_env->config.endpoint.ca_file, "/moss-ca.crt");
  options.ca_file = "/given.crt";
  EXPECT_EQ(resolve_client(options, env)->config.endpoint.ca_file, "/given.crt");
  auto aws_only = resolve_client({"https://moss"}, environment({{"AWS_ACCESS_KEY_ID", "AK"},
                                                                {"AWS_SECRET_ACCESS_KEY", "s"},
                                                                {"AWS_CA_BUNDLE", "/aws-ca.crt"}}));
  ASSERT_TRUE(aws_only);
  EXPECT_EQ(aws_only->config.endpoint.ca_file, "/aws-ca.crt");
}

TEST(FailureMessage, WrongSecretNamesTheVariableToCheck) {
  ResolvedClient c;
  c.secret_key_variable = "AWS_SECRET_ACCESS_KEY";
  client::ClientError e{client::ClientError::Kind::kHttp, 403, "SignatureDoesNotMatch", "x", ""};
  EXPECT_EQ(failure_message(e, c),
            "access denied (403 SignatureDoesNotMatch): check AWS_SECRET_ACCESS_KEY");
}

TEST(FailureMessage, UnknownKeyNamesTheKey) {
  ResolvedClient c;
  c.config.credentials.access_key_id = "AKWHO";
  c.access_key_variable = "AWS_ACCESS_KEY_ID";
  client::ClientError e{client::ClientError::Kind::kHttp, 403, "InvalidAccessKeyId", "x", ""};
  EXPECT_EQ(failure_message(e, c),
            "access denied (403 InvalidAccessKeyId): the server does not know the key AKWHO; "
            "check AWS_ACCESS_KEY_ID");
}

TEST(FailureMessage, TransportErrorsPointAtTheEndpoint) {
  ResolvedClient c;
  auto text = failure_message(client::ClientError::transport("cannot connect"), c);
  EXPECT_NE(text.find("MOSS_ENDPOINT"), std::string::npos);
}

}  // namespace
}  // namespace moss::cli
