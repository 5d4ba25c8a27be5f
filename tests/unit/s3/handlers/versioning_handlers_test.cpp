// Versioning through S3Service::handle: PutBucketVersioning and
// GetBucketVersioning, versions made by overwrites and deletes (ids, delete
// markers), ListObjectVersions, reading and deleting one version, and the
// errors (malformed configuration, NoSuchVersion, a bad version-id marker).
#include <gtest/gtest.h>

#include "unit/support/service_fixture.h"

namespace moss::testing {
namespace {

using Strings = std::vector<std::string>;

constexpr std::string_view kEnabled =
    "<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>";

class VersioningHandlersTest : public ServiceFixture {
 protected:
  VersioningHandlersTest() { create_bucket("models"); }
  Response put_versioning(std::string_view xml) {
    return request(bhttp::verb::put, "/models?versioning", {}, std::string(xml));
  }
  void enable_versioning() { ASSERT_EQ(put_versioning(kEnabled).status, 200); }
};

TEST_F(VersioningHandlersTest, NewBucketHasNoVersioningStatus) {
  auto res = request(bhttp::verb::get, "/models?versioning");
  EXPECT_EQ(res.status, 200);
  EXPECT_NE(res.body.find("VersioningConfiguration"), std::string::npos);
  EXPECT_EQ(res.xml("/VersioningConfiguration/Status"), "");
}

TEST_F(VersioningHandlersTest, EnabledVersioningIsReportedBack) {
  enable_versioning();
  EXPECT_EQ(request(bhttp::verb::get, "/models?versioning").xml("/VersioningConfiguration/Status"),
            "Enabled");
}

TEST_F(VersioningHandlersTest, SuspendedVersioningIsReportedBack) {
  enable_versioning();
  ASSERT_EQ(put_versioning("<VersioningConfiguration><Status>Suspended</Status>"
                           "</VersioningConfiguration>")
                .status,
            200);
  EXPECT_EQ(request(bhttp::verb::get, "/models?versioning").xml("/VersioningConfiguration/Status"),
            "Suspended");
}

TEST_F(VersioningHandlersTest, UnknownStatusIsMalformedXml) {
  auto res = put_versioning(
      "<VersioningConfiguration><Status>Sometimes</Status>"
      "</VersioningConfiguration>");
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(res.error_code(), "MalformedXML");
}

TEST_F(VersioningHandlersTest, VersioningOfMissingBucketIsNoSuchBucket) {
  EXPECT_EQ(request(bhttp::verb::get, "/nobody?versioning").error_code(), "NoSuchBucket");
}

TEST_F(VersioningHandlersTest, EachOverwriteKeepsAVersionReadableById) {
  enable_versioning();
  auto first = put_object("models", "a.bin", "first");
  auto second = put_object("models", "a.bin", "second");
  const std::string first_id = first.header("x-amz-version-id");
  ASSERT_FALSE(first_id.empty());
  EXPECT_NE(first_id, second.header("x-amz-version-id"));

  auto latest = get_object("models", "a.bin");
  EXPECT_EQ(latest.body, "second");
  EXPECT_EQ(latest.header("x-amz-version-id"), second.header("x-amz-version-id"));
  auto old = request(bhttp::verb::get, "/models/a.bin?versionId=" + first_id);
  EXPECT_EQ(old.status, 200);
  EXPECT_EQ(old.body, "first");
  EXPECT_EQ(old.header("x-amz-version-id"), first_id);
}

TEST_F(VersioningHandlersTest, DeleteAddsADeleteMarkerAndOldVersionsStay) {
  enable_versioning();
  auto put = put_object("models", "a.bin", "kept");
  auto deleted = request(bhttp::verb::delete_, "/models/a.bin");
  EXPECT_EQ(deleted.status, 204);
  EXPECT_EQ(deleted.header("x-amz-delete-marker"), "true");

  auto gone = get_object("models", "a.bin");
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(gone.header("x-amz-delete-marker"), "true");
  EXPECT_EQ(
      request(bhttp::verb::get, "/models/a.bin?versionId=" + put.header("x-amz-version-id")).body,
      "kept");
}

TEST_F(VersioningHandlersTest, ListObjectVersionsShowsVersionsAndDeleteMarkersNewestFirst) {
  enable_versioning();
  auto v1 = put_object("models", "a.bin", "one");
  auto v2 = put_object("models", "a.bin", "two!");
  auto marker = request(bhttp::verb::delete_, "/models/a.bin");
  auto res = request(bhttp::verb::get, "/models?versions");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.xml_all("/ListVersionsResult/Version/VersionId"),
            (Strings{v2.header("x-amz-version-id"), v1.header("x-amz-version-id")}));
  EXPECT_EQ(res.xml_all("/ListVersionsResult/Version/Size"), (Strings{"4", "3"}));
  EXPECT_EQ(res.xml("/ListVersionsResult/DeleteMarker/VersionId"),
            marker.header("x-amz-version-id"));
  EXPECT_EQ(res.xml("/ListVersionsResult/DeleteMarker/IsLatest"), "true");
  EXPECT_EQ(res.xml_all("/ListVersionsResult/Version/IsLatest"), (Strings{"false", "false"}));
}

TEST_F(VersioningHandlersTest, DeletingOneVersionLeavesTheOthers) {
  enable_versioning();
  auto v1 = put_object("models", "a.bin", "one");
  auto v2 = put_object("models", "a.bin", "two");
  auto res =
      request(bhttp::verb::delete_, "/models/a.bin?versionId=" + v2.header("x-amz-version-id"));
  EXPECT_EQ(res.status, 204);
  EXPECT_EQ(res.header("x-amz-version-id"), v2.header("x-amz-version-id"));
  EXPECT_EQ(get_object("models", "a.bin").body, "one");
}

TEST_F(VersioningHandlersTest, GetOfAVersionThatDoesNotExistIsNoSuchVersion) {
  enable_versioning();
  auto put = put_object("models", "a.bin", "one");
  std::string other = put.header("x-amz-version-id");
  ASSERT_FALSE(other.empty());
  // A well-formed id of a version that was never written.
  other.back() = other.back() == '0' ? '1' : '0';
  auto res = request(bhttp::verb::get, "/models/a.bin?versionId=" + other);
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(res.error_code(), "NoSuchVersion");
}

TEST_F(VersioningHandlersTest, VersionIdMarkerWithoutKeyMarkerIsInvalidArgument) {
  auto res = request(bhttp::verb::get, "/models?versions&version-id-marker=abc");
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(res.error_code(), "InvalidArgument");
}

}  // namespace
}  // namespace moss::testing
