// Model tags in the store: pinning by blob references, history, preconditions,
// and tags merged into listings.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "moss/store/object_store.h"
#include "unit/store/metadata_backends.h"
#include "unit/store/sealed_writes.h"
#include "unit/store/store_files.h"
#include "unit/store/temp_dir.h"

namespace moss::store {
namespace {

using moss::testing::read_all;

namespace fs = std::filesystem;

class TagStoreTest : public ::testing::TestWithParam<moss::testing::MetadataBackend> {
 protected:
  void SetUp() override { reopen(); }

  void reopen() {
    store_.reset();
    ASSERT_TRUE(metadata_.available());
    auto opened = ObjectStore::open(dir_.path(), metadata_.location());
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(*opened);
    auto b = store_->create_bucket("b", "owner", 1);
    ASSERT_TRUE(b.ok() || b.error().code == StoreErrc::kBucketAlreadyOwnedByYou);
  }

  // `hashed`: the SHA-256 is known at commit, as for a single PUT; else it is
  // left for the content hasher, as for a completed multipart upload.
  ObjectVersion put(const std::string& key, const std::string& body, bool hashed = true) {
    auto sealed = moss::testing::seal_body(*store_, body);
    NewVersion v = moss::testing::version_of(key, *sealed);
    if (hashed) v.content_sha256 = sealed->sha256_hex();
    v.model_metadata = R"({"format":"gguf","parsed":false,"error":"test"})";
    auto committed = store_->put_object("b", v, *sealed, {});
    EXPECT_TRUE(committed.ok());
    return *committed;
  }

  StoreResult<TagWriteOutcome> set(const std::string& tag, const std::string& targets,
                                   std::vector<PinRequest> pins, const std::string& etag,
                                   const TagPreconditions& pre = {}) {
    TagWrite w;
    w.key = "m/tags/" + tag;
    w.model = "m";
    w.tag = tag;
    w.targets = targets;
    w.pins = std::move(pins);
    w.etag = etag;
    w.now_ns = ++clock_;
    w.actor = "AKID";
    w.resolved = "[]";
    return store_->set_tag("b", w, pre);
  }

  std::string blobs_dir() const { return dir_.path() + "/blobs"; }

  // Released blob files, gone (count_blob_files).
  size_t blob_files() { return moss::testing::count_blob_files(*store_, dir_.path()); }

  moss::testing::TempDir dir_;
  moss::testing::TestMetadataLocation metadata_{GetParam()};
  std::unique_ptr<ObjectStore> store_;
  int64_t clock_ = 0;
};

MOSS_INSTANTIATE_FOR_EACH_METADATA_BACKEND(TagStoreTest);

TEST_P(TagStoreTest, APinnedFileKeepsItsBytesWhenOverwrittenAndAfterARestart) {
  auto v1 = put("m/f.gguf", "version one");
  ASSERT_TRUE(set("v1", R"(["f.gguf"])", {{"m/f.gguf", v1.version_id}}, "e1").ok());
  put("m/f.gguf", "version two, longer");
  EXPECT_EQ(blob_files(), 2u);  // the pinned old bytes and the new ones

  reopen();  // the startup sweep (or the collection) must see the tag's references
  EXPECT_EQ(blob_files(), 2u);
  auto tag = store_->get_tag("b", "m/tags/v1");
  ASSERT_TRUE(tag.ok()) << tag.error().message;
  ASSERT_EQ(tag->pins.size(), 1u);
  EXPECT_EQ(tag->pins[0].size, 11u);
  EXPECT_EQ(tag->pins[0].etag, v1.etag);
  EXPECT_EQ(tag->pins[0].content_sha256, v1.content_sha256);
  EXPECT_EQ(tag->pins[0].model_metadata, v1.model_metadata);
  auto opened = store_->open_pinned(tag->pins[0]);
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(read_all(*opened), "version one");
}

TEST_P(TagStoreTest, APinnedFileSurvivesTheDeletionOfItsObject) {
  auto v = put("m/f.gguf", "bytes");
  ASSERT_TRUE(set("v1", "[]", {{"m/f.gguf", v.version_id}}, "e1").ok());
  ASSERT_TRUE(store_->delete_object("b", "m/f.gguf").ok());
  EXPECT_EQ(blob_files(), 1u);
  auto tag = store_->get_tag("b", "m/tags/v1");
  ASSERT_TRUE(tag.ok());
  auto opened = store_->open_pinned(tag->pins[0]);
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(read_all(*opened), "bytes");
}

TEST_P(TagStoreTest, MovingOrDeletingTheTagReleasesBytesNothingElseHolds) {
  auto v1 = put("m/f.gguf", "old");
  ASSERT_TRUE(set("t", "[]", {{"m/f.gguf", v1.version_id}}, "e1").ok());
  auto v2 = put("m/f.gguf", "new");
  auto g = put("m/g.gguf", "other");
  EXPECT_EQ(blob_files(), 3u);
  // Move to the current f: "old" has no reference left.
  auto moved = set("t", "[]", {{"m/f.gguf", v2.version_id}}, "e2");
  ASSERT_TRUE(moved.ok()) << moved.error().message;
  EXPECT_EQ(blob_files(), 2u);
  // Two tags on one blob: deleting one keeps it.
  ASSERT_TRUE(set("u", "[]", {{"m/g.gguf", g.version_id}}, "e3").ok());
  ASSERT_TRUE(store_->delete_object("b", "m/g.gguf").ok());
  ASSERT_TRUE(set("w", "[]", {{"m/f.gguf", v2.version_id}}, "e4").ok());
  EXPECT_EQ(blob_files(), 2u);
  ASSERT_TRUE(store_->delete_tag("b", "m/tags/u", "AKID", 99, {}).ok());
  EXPECT_EQ(blob_files(), 1u);  // "other" went with its last tag
  ASSERT_TRUE(store_->delete_object("b", "m/f.gguf").ok());
  ASSERT_TRUE(store_->delete_tag("b", "m/tags/t", "AKID", 100, {}).ok());
  EXPECT_EQ(blob_files(), 1u);  // tag w still holds "new"
  ASSERT_TRUE(store_->delete_tag("b", "m/tags/w", "AKID", 101, {}).ok());
  EXPECT_EQ(blob_files(), 0u);
}

TEST_P(TagStoreTest, PinningAVersionThatIsGoneFailsAndChangesNothing) {
  auto v = put("m/f.gguf", "bytes");
  ASSERT_TRUE(set("t", "[]", {{"m/f.gguf", v.version_id}}, "e1").ok());
  auto r = set("t", "[]", {{"m/missing.gguf", "null"}}, "e2");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, StoreErrc::kNoSuchKey);
  auto tag = store_->get_tag("b", "m/tags/t");
  ASSERT_TRUE(tag.ok());
  EXPECT_EQ(tag->etag, "e1");
  auto history = store_->tag_history("b", "m/tags/t", 0, 10);
  ASSERT_TRUE(history.ok());
  EXPECT_EQ(history->size(), 1u);
}

TEST_P(TagStoreTest, IfMatchAndIfNoneMatchAreCheckedAgainstTheTag) {
  TagPreconditions create_only;
  create_only.if_none_match_any = true;
  ASSERT_TRUE(set("t", "[1]", {}, "e1", create_only).ok());
  auto again = set("t", "[2]", {}, "e2", create_only);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, StoreErrc::kPreconditionFailed);

  TagPreconditions stale;
  stale.if_match = "not-e1";
  EXPECT_EQ(set("t", "[3]", {}, "e3", stale).error().code, StoreErrc::kPreconditionFailed);
  TagPreconditions current;
  current.if_match = "e1";
  ASSERT_TRUE(set("t", "[4]", {}, "e4", current).ok());
  EXPECT_EQ(store_->get_tag("b", "m/tags/t")->targets, "[4]");
  // If-Match on a tag that does not exist fails too.
  EXPECT_EQ(set("new", "[5]", {}, "e5", current).error().code, StoreErrc::kPreconditionFailed);
}

TEST_P(TagStoreTest, HistoryRecordsEveryChangeNewestFirst) {
  ASSERT_TRUE(set("t", "[\"a\"]", {}, "e1").ok());
  ASSERT_TRUE(set("t", "[\"b\"]", {}, "e2").ok());
  ASSERT_TRUE(store_->delete_tag("b", "m/tags/t", "AKID2", 50, {}).ok());
  ASSERT_TRUE(set("t", "[\"c\"]", {}, "e3").ok());
  auto h = store_->tag_history("b", "m/tags/t", 0, 10);
  ASSERT_TRUE(h.ok());
  ASSERT_EQ(h->size(), 4u);
  EXPECT_EQ((*h)[0].seq, 4);
  EXPECT_EQ((*h)[0].old_targets, "");
  EXPECT_EQ((*h)[0].new_targets, "[\"c\"]");
  EXPECT_EQ((*h)[1].action, "delete");
  EXPECT_EQ((*h)[1].actor, "AKID2");
  EXPECT_EQ((*h)[1].old_targets, "[\"b\"]");
  EXPECT_EQ((*h)[1].new_targets, "");
  EXPECT_EQ((*h)[2].old_targets, "[\"a\"]");
  EXPECT_EQ((*h)[2].old_etag, "e1");
  EXPECT_EQ((*h)[2].new_etag, "e2");
  EXPECT_EQ((*h)[3].seq, 1);
  auto older = store_->tag_history("b", "m/tags/t", 3, 1);
  ASSERT_TRUE(older.ok());
  ASSERT_EQ(older->size(), 1u);
  EXPECT_EQ((*older)[0].seq, 2);
}

TEST_P(TagStoreTest, ListingsMergeTagsWithObjectsInKeyOrder) {
  put("m/2024/f.gguf", "f");
  put("m/a.txt", "a");
  put("m/zz.txt", "z");
  ASSERT_TRUE(set("latest", "[]", {}, "e1").ok());
  ASSERT_TRUE(set("v1", "[]", {}, "e2").ok());

  auto page = store_->list_objects("b", ListQuery{"m/", "", "", 1000});
  ASSERT_TRUE(page.ok());
  std::vector<std::string> keys;
  for (const auto& o : page->objects) keys.push_back(o.key + (o.is_tag ? "@" : ""));
  EXPECT_EQ(keys, (std::vector<std::string>{"m/2024/f.gguf", "m/a.txt", "m/tags/latest@",
                                            "m/tags/v1@", "m/zz.txt"}));

  // With a delimiter the tags fold into their common prefix.
  auto folded = store_->list_objects("b", ListQuery{"m/", "/", "", 1000});
  ASSERT_TRUE(folded.ok());
  EXPECT_EQ(folded->common_prefixes, (std::vector<std::string>{"m/2024/", "m/tags/"}));
  ASSERT_EQ(folded->objects.size(), 2u);

  // Paging crosses from objects to tags and back.
  std::vector<std::string> paged;
  ListQuery q{"m/", "", "", 2};
  while (true) {
    auto p = store_->list_objects("b", q);
    ASSERT_TRUE(p.ok());
    for (const auto& o : p->objects) paged.push_back(o.key);
    if (!p->truncated) break;
    q.marker = p->next_marker;
  }
  EXPECT_EQ(paged, (std::vector<std::string>{"m/2024/f.gguf", "m/a.txt", "m/tags/latest",
                                             "m/tags/v1", "m/zz.txt"}));
}

TEST_P(TagStoreTest, ATagShadowsAnObjectStoredUnderTheSameKey) {
  put("m/tags/t", "an object from before tags existed");
  ASSERT_TRUE(set("t", "[]", {}, "e1").ok());
  auto page = store_->list_objects("b", ListQuery{"", "", "", 1000});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->objects.size(), 1u);
  EXPECT_TRUE(page->objects[0].is_tag);
}

TEST_P(TagStoreTest, ABucketWithTagsIsNotEmpty) {
  ASSERT_TRUE(set("t", "[]", {}, "e1").ok());
  auto r = store_->delete_bucket("b");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, StoreErrc::kBucketNotEmpty);
  ASSERT_TRUE(store_->delete_tag("b", "m/tags/t", "AKID", 9, {}).ok());
  EXPECT_TRUE(store_->delete_bucket("b").ok());
}

TEST_P(TagStoreTest, ListTagsByModelAndByRange) {
  ASSERT_TRUE(set("b", "[]", {}, "e1").ok());
  ASSERT_TRUE(set("a", "[]", {}, "e2").ok());
  TagListQuery by_model;
  by_model.model = "m";
  auto tags = store_->list_tags("b", by_model);
  ASSERT_TRUE(tags.ok());
  ASSERT_EQ(tags->size(), 2u);
  EXPECT_EQ((*tags)[0].tag, "a");
  TagListQuery other;
  other.model = "n";
  EXPECT_TRUE(store_->list_tags("b", other)->empty());
  TagListQuery range;
  range.lower = "m/tags/b";
  range.upper = "m/tags/c";
  auto ranged = store_->list_tags("b", range);
  ASSERT_EQ(ranged->size(), 1u);
  EXPECT_EQ((*ranged)[0].key, "m/tags/b");
}

TEST_P(TagStoreTest, ContentSha256IsRecordedOnlyWhereMissing) {
  auto v = put("m/f.gguf", "x");
  // put() recorded the blob hash; a different value must not replace it.
  ASSERT_TRUE(store_->set_content_sha256("b", "m/f.gguf", v.row_id, "bogus").ok());
  EXPECT_EQ(store_->get_version("b", "m/f.gguf")->content_sha256, v.content_sha256);
}

// Bucket "b" is unversioned: an overwrite is another "null" version.
TEST_P(TagStoreTest, AHashOfAReplacedNullVersionNeverLandsOnItsSuccessor) {
  auto a = put("m/f.gguf", "file A", false);
  auto b = put("m/f.gguf", "file B", false);
  ASSERT_EQ(a.version_id, "null");
  ASSERT_EQ(b.version_id, "null");
  // A was the newest row and the overwrite removed it first: still a new id.
  ASSERT_NE(a.row_id, b.row_id);

  // The hash of A, computed while B replaced it, arrives: A is gone, so it is dropped.
  const std::string sha_of_a(64, 'a');
  ASSERT_TRUE(store_->set_content_sha256("b", "m/f.gguf", a.row_id, sha_of_a).ok());
  EXPECT_EQ(store_->get_version("b", "m/f.gguf")->content_sha256, "");

  const std::string sha_of_b(64, 'b');
  ASSERT_TRUE(store_->set_content_sha256("b", "m/f.gguf", b.row_id, sha_of_b).ok());
  EXPECT_EQ(store_->get_version("b", "m/f.gguf")->content_sha256, sha_of_b);
}

TEST_P(TagStoreTest, APinNamesTheRowItValidatedNotALaterWriteWithTheSameVersionId) {
  auto a = put("m/f.gguf", "file A");
  auto b = put("m/f.gguf", "file B");  // after the tag write read A, before it commits
  ASSERT_NE(a.row_id, b.row_id);

  auto stale = set("t", R"([{"target":"f.gguf"}])", {{"m/f.gguf", "null", a.row_id}}, "e1");
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().code, StoreErrc::kNoSuchKey);  // the registry plans again

  auto fresh = set("t", R"([{"target":"f.gguf"}])", {{"m/f.gguf", "null", b.row_id}}, "e2");
  ASSERT_TRUE(fresh.ok()) << fresh.error().message;
  ASSERT_EQ(fresh->tag->pins.size(), 1u);
  EXPECT_EQ(fresh->tag->pins[0].content_sha256, b.content_sha256);
}

}  // namespace
}  // namespace moss::store
