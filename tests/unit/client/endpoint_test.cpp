#include "moss/client/endpoint.h"

#include <gtest/gtest.h>

namespace moss::client {
namespace {

TEST(ParseEndpoint, HostAndPort) {
  auto e = parse_endpoint("http://moss:9000");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->host, "moss");
  EXPECT_EQ(e->port, 9000);
  EXPECT_EQ(e->host_header(), "moss:9000");
  EXPECT_EQ(e->url(), "http://moss:9000");
}

TEST(ParseEndpoint, PortDefaultsTo80AndTheHostHeaderOmitsIt) {
  auto e = parse_endpoint("http://models.example.com/");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->port, 80);
  EXPECT_EQ(e->host_header(), "models.example.com");
}

TEST(ParseEndpoint, BareHostPortIsAccepted) {
  auto e = parse_endpoint("127.0.0.1:9000");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->host, "127.0.0.1");
  EXPECT_EQ(e->port, 9000);
}

TEST(ParseEndpoint, BracketedIpv6) {
  auto e = parse_endpoint("http://[::1]:9000");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->host, "::1");
  EXPECT_EQ(e->host_header(), "[::1]:9000");
}

TEST(ParseEndpoint, HttpsDefaultsTo443AndTheHostHeaderOmitsIt) {
  auto e = parse_endpoint("https://models.example.com");
  ASSERT_TRUE(e);
  EXPECT_TRUE(e->https);
  EXPECT_EQ(e->port, 443);
  EXPECT_EQ(e->host_header(), "models.example.com");
  EXPECT_EQ(e->url(), "https://models.example.com:443");
  auto other = parse_endpoint("https://moss:9000");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->host_header(), "moss:9000");
  EXPECT_FALSE(parse_endpoint("http://moss:9000")->https);
}

TEST(ParseEndpoint, RejectsPathsOtherSchemesAndBadPorts) {
  std::string why;
  EXPECT_FALSE(parse_endpoint("ftp://moss", &why));
  EXPECT_NE(why.find("https://"), std::string::npos);
  EXPECT_FALSE(parse_endpoint("https://moss:9000/prefix"));
  EXPECT_FALSE(parse_endpoint("http://moss:9000/prefix"));
  EXPECT_FALSE(parse_endpoint("http://moss:0"));
  EXPECT_FALSE(parse_endpoint("http://moss:70000"));
  EXPECT_FALSE(parse_endpoint("http://moss:x"));
  EXPECT_FALSE(parse_endpoint("http://moss:"));
  EXPECT_FALSE(parse_endpoint("http://"));
  EXPECT_FALSE(parse_endpoint("ftp://moss"));
}

TEST(RequestTargets, ObjectPathEncodesEveryByteButSlashes) {
  EXPECT_EQ(object_path("models", "llama 3/2024-03-20/x+y.gguf"),
            "/models/llama%203/2024-03-20/x%2By.gguf");
  EXPECT_EQ(object_path("models", "m/tags/latest"), "/models/m/tags/latest");
  EXPECT_EQ(bucket_path("models"), "/models");
}

TEST(RequestTargets, QueryKeepsOrderAndEncodesValues) {
  EXPECT_EQ(build_query({{"bucket", "models"}, {"model", "meta/llama 3"}, {"tag", "v2"}}),
            "bucket=models&model=meta%2Fllama%203&tag=v2");
  EXPECT_EQ(build_query({{"uploads", ""}}), "uploads=");
  EXPECT_EQ(build_query({}), "");
}

}  // namespace
}  // namespace moss::client
