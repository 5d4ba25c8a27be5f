// ListObjects (v1) and ListObjectsV2 through S3Service::handle: prefixes,
// delimiters and common prefixes, pagination with max-keys and continuation
// tokens or markers, and refused parameters (max-keys, encoding-type,
// continuation-token) and a missing bucket.
#include <gtest/gtest.h>

#include "unit/support/service_fixture.h"

namespace moss::testing {
namespace {

using Keys = std::vector<std::string>;

class ListHandlersTest : public ServiceFixture {
 protected:
  ListHandlersTest() {
    create_bucket("models");
    for (const char* key :
         {"a.txt", "llama/v1/w.bin", "llama/v2/w.bin", "mistral/w.bin", "z.txt"}) {
      put_object("models", key, key);
    }
  }
};

TEST_F(ListHandlersTest, V2ListsEveryKeyInOrderWithItsSize) {
  auto res = request(bhttp::verb::get, "/models?list-type=2");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.xml_all("//Contents/Key"),
            (Keys{"a.txt", "llama/v1/w.bin", "llama/v2/w.bin", "mistral/w.bin", "z.txt"}));
  EXPECT_EQ(res.xml("//Contents[Key='mistral/w.bin']/Size"), "13");
  EXPECT_EQ(res.xml("/ListBucketResult/KeyCount"), "5");
  EXPECT_EQ(res.xml("/ListBucketResult/IsTruncated"), "false");
}

TEST_F(ListHandlersTest, V2PrefixSelectsKeysUnderIt) {
  auto res = request(bhttp::verb::get, "/models?list-type=2&prefix=llama%2F");
  EXPECT_EQ(res.xml_all("//Contents/Key"), (Keys{"llama/v1/w.bin", "llama/v2/w.bin"}));
  EXPECT_EQ(res.xml("/ListBucketResult/Prefix"), "llama/");
}

TEST_F(ListHandlersTest, V2DelimiterGroupsKeysIntoCommonPrefixes) {
  auto res = request(bhttp::verb::get, "/models?list-type=2&delimiter=%2F");
  EXPECT_EQ(res.xml_all("//Contents/Key"), (Keys{"a.txt", "z.txt"}));
  EXPECT_EQ(res.xml_all("//CommonPrefixes/Prefix"), (Keys{"llama/", "mistral/"}));
  EXPECT_EQ(res.xml("/ListBucketResult/KeyCount"), "4");
}

TEST_F(ListHandlersTest, V2PrefixAndDelimiterListOneLevel) {
  auto res = request(bhttp::verb::get, "/models?list-type=2&prefix=llama%2F&delimiter=%2F");
  EXPECT_TRUE(res.xml_all("//Contents/Key").empty());
  EXPECT_EQ(res.xml_all("//CommonPrefixes/Prefix"), (Keys{"llama/v1/", "llama/v2/"}));
}

TEST_F(ListHandlersTest, V2PagesWithContinuationTokens) {
  auto first = request(bhttp::verb::get, "/models?list-type=2&max-keys=2");
  EXPECT_EQ(first.xml_all("//Contents/Key"), (Keys{"a.txt", "llama/v1/w.bin"}));
  EXPECT_EQ(first.xml("/ListBucketResult/IsTruncated"), "true");
  const std::string token = first.xml("/ListBucketResult/NextContinuationToken");
  ASSERT_FALSE(token.empty());
  auto second = request(bhttp::verb::get, "/models?list-type=2&max-keys=10&continuation-token=" +
                                              aws_uri_encode(token, true));
  EXPECT_EQ(second.xml_all("//Contents/Key"), (Keys{"llama/v2/w.bin", "mistral/w.bin", "z.txt"}));
  EXPECT_EQ(second.xml("/ListBucketResult/IsTruncated"), "false");
}

TEST_F(ListHandlersTest, V1PagesWithMarkers) {
  auto res = request(bhttp::verb::get, "/models?marker=llama%2Fv2%2Fw.bin");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.xml_all("//Contents/Key"), (Keys{"mistral/w.bin", "z.txt"}));
  EXPECT_EQ(res.xml("/ListBucketResult/Marker"), "llama/v2/w.bin");
}

TEST_F(ListHandlersTest, V1DelimiterListsCommonPrefixesAndOwners) {
  auto res = request(bhttp::verb::get, "/models?delimiter=%2F");
  EXPECT_EQ(res.xml_all("//Contents/Key"), (Keys{"a.txt", "z.txt"}));
  EXPECT_EQ(res.xml_all("//CommonPrefixes/Prefix"), (Keys{"llama/", "mistral/"}));
  EXPECT_EQ(res.xml("//Contents/Owner/DisplayName"), "tester");
}

TEST_F(ListHandlersTest, MaxKeysThatIsNotANumberIsInvalidArgument) {
  auto res = request(bhttp::verb::get, "/models?list-type=2&max-keys=lots");
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(res.error_code(), "InvalidArgument");
  EXPECT_EQ(res.xml("/Error/ArgumentName"), "max-keys");
}

TEST_F(ListHandlersTest, NegativeMaxKeysIsInvalidArgument) {
  EXPECT_EQ(request(bhttp::verb::get, "/models?max-keys=-1").error_code(), "InvalidArgument");
}

TEST_F(ListHandlersTest, UnknownEncodingTypeIsInvalidArgument) {
  EXPECT_EQ(request(bhttp::verb::get, "/models?list-type=2&encoding-type=base64").error_code(),
            "InvalidArgument");
}

TEST_F(ListHandlersTest, GarbledContinuationTokenIsInvalidArgument) {
  EXPECT_EQ(request(bhttp::verb::get, "/models?list-type=2&continuation-token=%21%21").error_code(),
            "InvalidArgument");
}

TEST_F(ListHandlersTest, ListingMissingBucketIsNoSuchBucket) {
  auto res = request(bhttp::verb::get, "/nobody?list-type=2");
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(res.error_code(), "NoSuchBucket");
}

TEST_F(ListHandlersTest, EmptyContinuationTokenIsTheFirstPage) {
  auto res = request(bhttp::verb::get, "/models?list-type=2&max-keys=2&continuation-token=");
  EXPECT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.xml_all("//Contents/Key"), (Keys{"a.txt", "llama/v1/w.bin"}));
}

TEST_F(ListHandlersTest, KeysWithControlCharactersComeBackAsCharacterReferences) {
  ASSERT_EQ(put_object("models", "cr%0Dkey%01x", "x").status, 200);
  auto res = request(bhttp::verb::get, "/models?list-type=2&prefix=cr");
  EXPECT_EQ(res.status, 200);
  // Unencoded, as no encoding-type was asked for; a raw carriage return would
  // reach the reader as a line feed, so it is a character reference too.
  EXPECT_NE(res.body.find("<Key>cr&#13;key&#01;x</Key>"), std::string::npos) << res.body;
  EXPECT_NE(res.body.find("<Prefix>cr</Prefix>"), std::string::npos);
}

TEST_F(ListHandlersTest, WithoutEncodingTypeKeysAndPrefixesAreNotEncoded) {
  ASSERT_EQ(put_object("models", "sp%20ace/a%2Bb", "x").status, 200);
  auto res = request(bhttp::verb::get, "/models?prefix=sp%20&delimiter=%2F");
  EXPECT_EQ(res.xml("/ListBucketResult/Prefix"), "sp ");
  EXPECT_EQ(res.xml("/ListBucketResult/Delimiter"), "/");
  EXPECT_EQ(res.xml_all("//CommonPrefixes/Prefix"), (Keys{"sp ace/"}));
  auto encoded = request(bhttp::verb::get, "/models?prefix=sp%20&encoding-type=url");
  EXPECT_EQ(encoded.xml_all("//Contents/Key"), (Keys{"sp%20ace/a%2Bb"}));
}

}  // namespace
}  // namespace moss::testing
