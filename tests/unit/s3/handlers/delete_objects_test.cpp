// DeleteObjects (POST ?delete) through S3Service::handle: verbose and quiet
// results, per-key errors (a malformed version id), the required integrity
// header, a Content-MD5 that does not match, and malformed or empty XML.
#include <gtest/gtest.h>

#include "unit/support/service_fixture.h"

namespace moss::testing {
namespace {

using Keys = std::vector<std::string>;

class DeleteObjectsTest : public ServiceFixture {
 protected:
  DeleteObjectsTest() {
    create_bucket("models");
    put_object("models", "a.bin", "a");
    put_object("models", "b.bin", "b");
    put_object("models", "keep.bin", "k");
  }
  Response delete_objects(const std::string& xml) {
    return request(bhttp::verb::post, "/models?delete", {{"Content-MD5", content_md5(xml)}}, xml);
  }
  Keys remaining() {
    return request(bhttp::verb::get, "/models?list-type=2").xml_all("//Contents/Key");
  }
};

TEST_F(DeleteObjectsTest, VerboseResultNamesEveryDeletedKey) {
  auto res = delete_objects(
      "<Delete><Object><Key>a.bin</Key></Object><Object><Key>b.bin</Key></Object></Delete>");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.xml_all("/DeleteResult/Deleted/Key"), (Keys{"a.bin", "b.bin"}));
  EXPECT_EQ(remaining(), (Keys{"keep.bin"}));
}

TEST_F(DeleteObjectsTest, QuietResultOmitsDeletedKeys) {
  auto res = delete_objects(
      "<Delete><Quiet>true</Quiet><Object><Key>a.bin</Key></Object>"
      "<Object><Key>b.bin</Key></Object></Delete>");
  EXPECT_EQ(res.status, 200);
  EXPECT_TRUE(res.xml_all("/DeleteResult/Deleted/Key").empty());
  EXPECT_EQ(remaining(), (Keys{"keep.bin"}));
}

TEST_F(DeleteObjectsTest, MissingKeyCountsAsDeleted) {
  auto res = delete_objects("<Delete><Object><Key>never-was.bin</Key></Object></Delete>");
  EXPECT_EQ(res.xml_all("/DeleteResult/Deleted/Key"), (Keys{"never-was.bin"}));
  EXPECT_TRUE(res.xml_all("/DeleteResult/Error/Key").empty());
}

TEST_F(DeleteObjectsTest, MalformedVersionIdIsReportedPerKeyAsNoSuchVersion) {
  auto res = delete_objects(
      "<Delete><Object><Key>a.bin</Key><VersionId>not a version</VersionId></Object>"
      "<Object><Key>b.bin</Key></Object></Delete>");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.xml("/DeleteResult/Error[Key='a.bin']/Code"), "NoSuchVersion");
  EXPECT_EQ(res.xml_all("/DeleteResult/Deleted/Key"), (Keys{"b.bin"}));
  EXPECT_EQ(remaining(), (Keys{"a.bin", "keep.bin"}));
}

TEST_F(DeleteObjectsTest, WhitespaceOnlyKeysAreTakenAsSent) {
  ASSERT_EQ(put_object("models", "%20", "one space").status, 200);
  ASSERT_EQ(put_object("models", "%20%20", "two spaces").status, 200);
  ASSERT_EQ(put_object("models", "%09", "a tab").status, 200);
  auto res = delete_objects(
      "<Delete>\n  <Object><Key> </Key></Object>\n  <Object><Key>  </Key></Object>\n"
      "  <Object><Key>\t</Key></Object>\n</Delete>");
  EXPECT_EQ(res.status, 200) << res.body;
  EXPECT_NE(res.body.find("<Deleted><Key> </Key></Deleted>"), std::string::npos) << res.body;
  EXPECT_NE(res.body.find("<Deleted><Key>  </Key></Deleted>"), std::string::npos) << res.body;
  EXPECT_NE(res.body.find("<Deleted><Key>\t</Key></Deleted>"), std::string::npos) << res.body;
  EXPECT_EQ(res.body.find("<Error>"), std::string::npos) << res.body;
  EXPECT_EQ(remaining(), (Keys{"a.bin", "b.bin", "keep.bin"}));
}

TEST_F(DeleteObjectsTest, CarriageReturnSentAsACharacterReferenceIsKept) {
  ASSERT_EQ(put_object("models", "line%0Dend", "x").status, 200);
  auto res = delete_objects("<Delete><Object><Key>line&#13;end</Key></Object></Delete>");
  EXPECT_EQ(res.status, 200) << res.body;
  EXPECT_NE(res.body.find("<Deleted><Key>line&#13;end</Key></Deleted>"), std::string::npos)
      << res.body;
  EXPECT_EQ(remaining(), (Keys{"a.bin", "b.bin", "keep.bin"}));
}

TEST_F(DeleteObjectsTest, MalformedXmlIsRefusedAndNothingDeleted) {
  auto res = delete_objects("<Delete><Object><Key>a.bin</Key></Object");
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(res.error_code(), "MalformedXML");
  EXPECT_EQ(remaining(), (Keys{"a.bin", "b.bin", "keep.bin"}));
}

TEST_F(DeleteObjectsTest, DeleteWithoutObjectsIsMalformedXml) {
  EXPECT_EQ(delete_objects("<Delete></Delete>").error_code(), "MalformedXML");
}

TEST_F(DeleteObjectsTest, ObjectWithoutKeyIsMalformedXml) {
  EXPECT_EQ(
      delete_objects("<Delete><Object><VersionId>x</VersionId></Object></Delete>").error_code(),
      "MalformedXML");
}

TEST_F(DeleteObjectsTest, RequestWithoutContentMd5OrChecksumIsInvalidRequest) {
  const std::string xml = "<Delete><Object><Key>a.bin</Key></Object></Delete>";
  auto res = request(bhttp::verb::post, "/models?delete", {}, xml);
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(res.error_code(), "InvalidRequest");
  EXPECT_EQ(remaining(), (Keys{"a.bin", "b.bin", "keep.bin"}));
}

TEST_F(DeleteObjectsTest, ContentMd5OfAnotherBodyIsBadDigest) {
  const std::string xml = "<Delete><Object><Key>a.bin</Key></Object></Delete>";
  auto res =
      request(bhttp::verb::post, "/models?delete", {{"Content-MD5", content_md5("other")}}, xml);
  EXPECT_EQ(res.error_code(), "BadDigest");
  EXPECT_EQ(remaining(), (Keys{"a.bin", "b.bin", "keep.bin"}));
}

}  // namespace
}  // namespace moss::testing
