#include "moss/hub_mirror/hub_upstream.h"

#include <gtest/gtest.h>

namespace moss::hub_mirror {
namespace {

TEST(HubUpstreamTest, ARevisionDocumentGivesCommitSizesAndLfsHashes) {
  auto revision = parse_revision_document("org/model", "main", R"({
    "id": "org/model", "sha": "0123456789abcdef0123456789abcdef01234567",
    "lastModified": "2026-11-30T10:00:00.000Z",
    "siblings": [
      {"rfilename": "config.json", "size": 12,
       "blobId": "1111111111111111111111111111111111111111"},
      {"rfilename": "model.safetensors", "size": 4096,
       "lfs": {"sha256": "ABCDEF0000000000000000000000000000000000000000000000000000000000",
               "size": 4096, "pointerSize": 134}}
    ]})");
  ASSERT_TRUE(revision.has_value());
  EXPECT_EQ(revision->commit, "0123456789abcdef0123456789abcdef01234567");
  EXPECT_EQ(revision->last_modified, "2026-11-30T10:00:00.000Z");
  ASSERT_EQ(revision->files.size(), 2u);
  EXPECT_EQ(revision->files[0].path, "config.json");
  EXPECT_EQ(revision->files[0].size, 12u);
  EXPECT_TRUE(revision->files[0].lfs_sha256.empty());
  EXPECT_EQ(revision->files[0].blob_id, "1111111111111111111111111111111111111111");
  EXPECT_TRUE(revision->files[1].blob_id.empty());
  EXPECT_EQ(revision->files[1].size, 4096u);
  EXPECT_EQ(revision->files[1].lfs_sha256,
            "abcdef0000000000000000000000000000000000000000000000000000000000");
}

TEST(HubUpstreamTest, ADocumentWithoutShaOrFileNamesIsNoRevision) {
  EXPECT_FALSE(parse_revision_document("o/m", "main", R"({"siblings": []})"));
  EXPECT_FALSE(parse_revision_document("o/m", "main", R"({"sha": "ab", "siblings": [{}]})"));
  EXPECT_FALSE(parse_revision_document("o/m", "main", "not json"));
}

TEST(HubUpstreamTest, ARelativeRedirectStaysOnTheUpstreamWithItsToken) {
  client::Endpoint hub{"hub.example", 443, true, "/ca.pem"};
  auto to = redirect_target(hub, "/api/resolve-cache/models/o/m/abc/x.bin");
  ASSERT_TRUE(to.has_value());
  EXPECT_TRUE(to->same_host);
  EXPECT_EQ(to->endpoint.host, "hub.example");
  EXPECT_EQ(to->target, "/api/resolve-cache/models/o/m/abc/x.bin");
}

TEST(HubUpstreamTest, AnAbsoluteRedirectToAnotherHostDropsTheToken) {
  client::Endpoint hub{"hub.example", 443, true, "/ca.pem"};
  auto to = redirect_target(hub, "https://cdn.example/repos/ab/cd?X-Amz-Signature=1");
  ASSERT_TRUE(to.has_value());
  EXPECT_FALSE(to->same_host);
  EXPECT_EQ(to->endpoint.host, "cdn.example");
  EXPECT_TRUE(to->endpoint.https);
  EXPECT_EQ(to->endpoint.ca_file, "/ca.pem");
  EXPECT_EQ(to->target, "/repos/ab/cd?X-Amz-Signature=1");
  auto same = redirect_target(hub, "https://hub.example/x");
  ASSERT_TRUE(same.has_value());
  EXPECT_TRUE(same->same_host);
}

TEST(HubUpstreamTest, UnusableLocationsAreRefused) {
  client::Endpoint hub{"hub.example", 80, false, ""};
  EXPECT_FALSE(redirect_target(hub, ""));
  EXPECT_FALSE(redirect_target(hub, "//cdn.example/x"));
  EXPECT_FALSE(redirect_target(hub, "ftp://cdn.example/x"));
  EXPECT_FALSE(redirect_target(hub, "relative/path"));
}

}  // namespace
}  // namespace moss::hub_mirror
