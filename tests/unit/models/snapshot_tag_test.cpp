// Tags naming a directory, over a real ObjectStore in a temporary directory:
// the snapshot they pin, what it keeps alive and for how long, and what is
// refused.
#include <gtest/gtest.h>

#include <limits>

#include "moss/models/model_registry.h"
#include "moss/util/digest.h"
#include "moss/util/hex.h"
#include "unit/store/sealed_writes.h"
#include "unit/store/store_files.h"
#include "unit/store/temp_dir.h"

namespace moss::models {
namespace {

using moss::testing::count_files;
using moss::testing::read_all;

// What the lifecycle worker passes once every retention has passed.
constexpr int64_t kAfterAnyRetention = std::numeric_limits<int64_t>::max();


class SnapshotTagTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = store::ObjectStore::open_local(dir_.path());
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(*opened);
    ASSERT_TRUE(store_->create_bucket("models", "owner", 1).ok());
    registry_ = std::make_unique<ModelRegistry>(*store_);
  }

  store::ObjectVersion put(const std::string& key, const std::string& body,
                           bool with_sha256 = true) {
    auto sealed = moss::testing::seal_body(*store_, body);
    store::NewVersion v = moss::testing::version_of(key, *sealed);
    if (with_sha256) v.content_sha256 = sealed->sha256_hex();
    auto committed = store_->put_object("models", v, *sealed, {});
    EXPECT_TRUE(committed.ok());
    return *committed;
  }

  ModelResult<TagView> set(const std::string& tag, const std::string& target) {
    auto targets = parse_target_request(target);
    if (!targets) return fail(targets.error());
    return registry_->set_tag("models", "llama", tag, *targets, {"AKID", "client", {}});
  }

  // The file at `path` of the snapshot `tag` resolves to, or "<why not>".
  std::string read(const std::string& tag, const std::string& path) {
    auto found = registry_->folder_snapshot(
        "models", SnapshotAddress{"llama", tag, "", tag_folder("llama", tag), path}, "client");
    if (!found) return "<" + found.error().message + ">";
    if (!*found) return "<no snapshot>";
    auto opened = registry_->open_snapshot_file("models", (*found)->snapshot(), path);
    if (!opened) return "<" + opened.error().message + ">";
    return read_all(opened->opened);
  }

  size_t blob_files() { return count_files(dir_.path() + "/blobs"); }

  moss::testing::TempDir dir_;
  std::unique_ptr<store::ObjectStore> store_;
  std::unique_ptr<ModelRegistry> registry_;
};

TEST_F(SnapshotTagTest, ADirectoryTargetPinsEveryFileUnderIt) {
  put("llama/2024-03-20/config.json", "{}");
  put("llama/2024-03-20/model.safetensors", "weights");
  put("llama/2024-03-20/tokenizer/vocab.json", "vocab");
  put("llama/2024-03-200/other", "not in the directory");
  auto view = set("v2", "2024-03-20/");
  ASSERT_TRUE(view.ok()) << view.error().message;
  ASSERT_TRUE(view->resolved && view->resolved->snapshot);
  const auto& snapshot = *view->resolved->snapshot;
  EXPECT_EQ(snapshot.id, snapshot_identity({{"config.json", sha256_hex("{}")},
                                            {"model.safetensors", sha256_hex("weights")},
                                            {"tokenizer/vocab.json", sha256_hex("vocab")}}));
  EXPECT_EQ(snapshot.file_count, 3u);
  EXPECT_EQ(snapshot.total_size, 14u);
  EXPECT_EQ(view->targets[0].kind, TargetKind::kSnapshot);
  ASSERT_EQ(view->snapshot_files.size(), 3u);
  EXPECT_EQ(view->snapshot_files[2].path, "tokenizer/vocab.json");
  EXPECT_EQ(read("v2", "tokenizer/vocab.json"), "vocab");
  // The tag key itself is no file.
  auto opened = registry_->open("models", "llama", "v2", "client");
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, ModelErrc::kNoSuchKey);
}

TEST_F(SnapshotTagTest, PinnedFilesSurviveOverwriteAndDeleteUntilTheTagMoves) {
  put("llama/d/config.json", "old config");
  put("llama/d/model.bin", "old weights");
  ASSERT_TRUE(set("latest", "d/").ok());
  const size_t pinned_blobs = blob_files();
  put("llama/d/config.json", "new config");
  ASSERT_TRUE(store_->delete_object("models", "llama/d/model.bin").ok());
  EXPECT_EQ(read("latest", "config.json"), "old config");
  EXPECT_EQ(read("latest", "model.bin"), "old weights");
  EXPECT_EQ(blob_files(), pinned_blobs + 1);  // the new config beside the pinned two

  // Moving the tag lets the old bytes go once the retention has passed.
  ASSERT_TRUE(set("latest", "d/").ok());
  EXPECT_EQ(read("latest", "config.json"), "new config");
  EXPECT_EQ(read("latest", "model.bin").front(), '<');  // deleted before the move
  EXPECT_EQ(blob_files(), pinned_blobs + 1);
  ASSERT_TRUE(store_->release_unheld_snapshots(kAfterAnyRetention).ok());
  EXPECT_EQ(blob_files(), 1u);
}

TEST_F(SnapshotTagTest, TwoTagsShareOneSnapshotThatStaysUntilBothLetGo) {
  put("llama/d/a", "alpha");
  auto first = set("one", "d/");
  auto second = set("two", "d/");
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->resolved->snapshot->id, second->resolved->snapshot->id);
  ASSERT_TRUE(store_->delete_object("models", "llama/d/a").ok());
  put("llama/e/b", "beta");
  ASSERT_TRUE(set("one", "e/").ok());
  EXPECT_EQ(read("two", "a"), "alpha");
  EXPECT_EQ(blob_files(), 2u);
  ASSERT_TRUE(registry_->delete_tag("models", "llama", "two", {"AKID", "client", {}}).ok());
  // Alpha's last holder let go: by identity it is served through the retention.
  auto retained = registry_->open_snapshot_file("models", *first->resolved->snapshot, "a");
  ASSERT_TRUE(retained.ok());
  EXPECT_EQ(read_all(retained->opened), "alpha");
  EXPECT_EQ(blob_files(), 2u);
  auto released = store_->release_unheld_snapshots(kAfterAnyRetention);
  ASSERT_TRUE(released.ok()) << released.error().message;
  EXPECT_EQ(released->snapshots, 1u);
  EXPECT_EQ(blob_files(), 1u);
  // By identity the rows are still there, but the bytes are gone.
  auto gone = registry_->open_snapshot_file("models", *first->resolved->snapshot, "a");
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().code, ModelErrc::kNoSuchKey);
}

TEST_F(SnapshotTagTest, AnEmptyOrMissingDirectoryIsRefused) {
  put("llama/d/a", "alpha");
  for (const char* target : {"e/", "d/a/"}) {
    auto view = set("latest", target);
    ASSERT_FALSE(view.ok()) << target;
    EXPECT_EQ(view.error().code, ModelErrc::kInvalidTagTarget) << target;
  }
  EXPECT_FALSE(registry_->get_tag("models", "llama", "latest", "c").ok());
}

TEST_F(SnapshotTagTest, AFileWithoutSha256IsHashedWhenTagged) {
  put("llama/d/a", "alpha", /*with_sha256=*/false);
  put("llama/d/b", "beta");
  auto view = set("latest", "d/");
  ASSERT_TRUE(view.ok()) << view.error().message;
  EXPECT_EQ(store_->get_version("models", "llama/d/a")->content_sha256, sha256_hex("alpha"));
  EXPECT_EQ(view->resolved->snapshot->id,
            snapshot_identity({{"a", sha256_hex("alpha")}, {"b", sha256_hex("beta")}}));
}

TEST_F(SnapshotTagTest, AChainMayEndInASnapshotAndListsItAsAFolder) {
  put("llama/d/x/1", "one");
  put("llama/d/x/2", "two");
  put("llama/d/y", "three");
  ASSERT_TRUE(set("v2", "d/").ok());
  ASSERT_TRUE(set("latest", "v2").ok());
  auto found = registry_->folder_snapshot(
      "models", SnapshotAddress{"llama", "latest", "", "llama/tags/latest/", ""}, "c");
  ASSERT_TRUE(found.ok() && *found);
  EXPECT_EQ((*found)->resolved.chain, (std::vector<std::string>{"latest", "v2", "d/"}));
  store::ListQuery q;
  q.prefix = "llama/tags/latest/";
  q.delimiter = "/";
  q.max_keys = 1;
  auto page = registry_->list_snapshot_folder("models", (*found)->snapshot(), q.prefix, q);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->common_prefixes, (std::vector<std::string>{"llama/tags/latest/x/"}));
  EXPECT_TRUE(page->truncated);
  q.marker = page->next_marker;
  page = registry_->list_snapshot_folder("models", (*found)->snapshot(), q.prefix, q);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->objects.size(), 1u);
  EXPECT_EQ(page->objects[0].key, "llama/tags/latest/y");
  EXPECT_EQ(page->objects[0].size, 5u);
  EXPECT_FALSE(page->truncated);
}

}  // namespace
}  // namespace moss::models
