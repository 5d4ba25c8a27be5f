// Snapshot identities and the keys that read a snapshot as a folder.
#include "moss/models/snapshot.h"

#include <gtest/gtest.h>

#include "moss/util/digest.h"
#include "moss/util/hex.h"

namespace moss::models {
namespace {


TEST(SnapshotIdentity, IsTheSha256OfTheSortedPathAndDigestLines) {
  const std::string a = sha256_hex("a"), b = sha256_hex("b");
  const std::string expected =
      sha256_hex("config.json" + std::string(1, '\0') + a + "\n" + "model.safetensors" +
                 std::string(1, '\0') + b + "\n");
  EXPECT_EQ(snapshot_identity({{"model.safetensors", b}, {"config.json", a}}), expected);
  EXPECT_EQ(snapshot_identity({{"config.json", a}, {"model.safetensors", b}}), expected);
}

TEST(SnapshotIdentity, ChangesWithAnyPathOrByte) {
  const std::string a = sha256_hex("a"), b = sha256_hex("b");
  const auto base = snapshot_identity({{"x", a}, {"y", b}});
  EXPECT_NE(base, snapshot_identity({{"x", b}, {"y", a}}));
  EXPECT_NE(base, snapshot_identity({{"x", a}, {"z", b}}));
  EXPECT_NE(base, snapshot_identity({{"x", a}}));
  EXPECT_EQ(base.size(), kSnapshotIdHexDigits);
  EXPECT_EQ(snapshot_short_id(base), base.substr(0, 40));
}

TEST(SnapshotIdentity, SortsPathsByBytes) {
  // '/' (0x2f) sorts before '0' and after '.', as UTF-8 bytes do.
  const std::string a = sha256_hex("a"), b = sha256_hex("b");
  EXPECT_EQ(snapshot_identity({{"t/x", a}, {"t.json", b}}),
            snapshot_identity({{"t.json", b}, {"t/x", a}}));
}

TEST(SnapshotId, FullAndShortLowercaseHexOnly) {
  EXPECT_TRUE(is_snapshot_id(std::string(64, 'a')));
  EXPECT_TRUE(is_snapshot_id(std::string(40, '0')));
  EXPECT_FALSE(is_snapshot_id(std::string(41, '0')));
  EXPECT_FALSE(is_snapshot_id(std::string(40, 'A')));
  EXPECT_FALSE(is_snapshot_id("latest"));
}

TEST(SnapshotAddresses, AFileUnderATagFolder) {
  auto a = snapshot_addresses("meta/llama/tags/latest/tokenizer/vocab.json", false);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].model, "meta/llama");
  EXPECT_EQ(a[0].tag, "latest");
  EXPECT_EQ(a[0].folder, "meta/llama/tags/latest/");
  EXPECT_EQ(a[0].path, "tokenizer/vocab.json");
}

TEST(SnapshotAddresses, AFileBySnapshotIdentity) {
  const std::string id(40, 'c');
  auto a = snapshot_addresses("llama/snapshots/" + id + "/config.json", false);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].snapshot_id, id);
  EXPECT_TRUE(a[0].tag.empty());
  EXPECT_EQ(a[0].path, "config.json");
  EXPECT_TRUE(snapshot_addresses("llama/snapshots/latest/config.json", false).empty());
}

TEST(SnapshotAddresses, TagKeysAndBareFoldersAreNotFiles) {
  EXPECT_TRUE(snapshot_addresses("llama/tags/latest", false).empty());
  EXPECT_TRUE(snapshot_addresses("llama/tags/latest/", false).empty());
  EXPECT_TRUE(snapshot_addresses("tags/latest/x", false).empty());
  auto listing = snapshot_addresses("llama/tags/latest/", true);
  ASSERT_EQ(listing.size(), 1u);
  EXPECT_EQ(listing[0].path, "");
}

TEST(SnapshotAddresses, AModelPathWithATagsSegmentGivesEveryReadingShortestFirst) {
  auto a = snapshot_addresses("a/tags/b/tags/latest/config.json", false);
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].model, "a");
  EXPECT_EQ(a[0].tag, "b");
  EXPECT_EQ(a[0].path, "tags/latest/config.json");
  EXPECT_EQ(a[1].model, "a/tags/b");
  EXPECT_EQ(a[1].tag, "latest");
  EXPECT_EQ(a[1].path, "config.json");
}

}  // namespace
}  // namespace moss::models
