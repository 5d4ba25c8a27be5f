// ModelRegistry over a real ObjectStore in a temporary directory: the
// docs/models.md layout, refused changes that leave everything as it was,
// preconditions, rollback, and the SHA-256 of multipart files (at tagging
// time, or ahead of it by the ContentHasher).
#include "moss/models/model_registry.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <stop_token>
#include <thread>

#include "moss/models/content_hasher.h"
#include "moss/util/digest.h"
#include "unit/store/sealed_writes.h"
#include "unit/store/store_files.h"
#include "unit/store/temp_dir.h"

namespace moss::models {
namespace {

using moss::testing::read_all;

using store::ObjectStore;

class ModelRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = ObjectStore::open_local(dir_.path());
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

  // An object completed from two uploaded parts: no whole-object SHA-256 yet.
  store::ObjectVersion put_multipart(const std::string& key) {
    auto p1 = put("parts/1", "first half, ");
    auto p2 = put("parts/2", "second half");
    store::NewVersion v;
    v.key = key;
    v.segments = {p1.segments[0], p2.segments[0]};
    v.segments[0].part_number = 1;
    v.segments[1].part_number = 2;
    v.size = p1.size + p2.size;
    v.etag = "abc-2";
    v.owner = "owner";
    auto committed = store_->put_existing_blobs("models", v, {});
    EXPECT_TRUE(committed.ok());
    return *committed;
  }

  ModelResult<TagView> set(const std::string& tag, const std::string& request,
                           const store::TagPreconditions& pre = {}) {
    auto targets = parse_target_request(request);
    if (!targets) return fail(targets.error());
    return registry_->set_tag("models", "llama", tag, *targets, {"AKID", "client", pre});
  }

  std::string read_tag(const std::string& tag, const std::string& client = "client") {
    auto opened = registry_->open("models", "llama", tag, client);
    if (!opened) return "<" + opened.error().message + ">";
    return read_all(opened->opened);
  }

  size_t history_size(const std::string& tag) {
    auto h = registry_->history("models", "llama", tag, 100);
    return h ? h->size() : 0;
  }

  // The docs/models.md layout: latest -> v2 -> new file, v1 -> old file.
  void docs_layout() {
    put("llama/2024-01-15/llama.Q4_K_M.gguf", "one");
    put("llama/2024-03-20/llama.Q5_K_M.gguf", "two");
    ASSERT_TRUE(set("v1", "2024-01-15/llama.Q4_K_M.gguf").ok());
    ASSERT_TRUE(set("v2", "2024-03-20/llama.Q5_K_M.gguf").ok());
    ASSERT_TRUE(set("latest", "v2").ok());
  }

  moss::testing::TempDir dir_;
  std::unique_ptr<ObjectStore> store_;
  std::unique_ptr<ModelRegistry> registry_;
};

TEST_F(ModelRegistryTest, LatestResolvesThroughV2AndRetaggingSwitchesIt) {
  docs_layout();
  auto resolved = registry_->resolve("models", "llama", "latest", "c");
  ASSERT_TRUE(resolved.ok()) << resolved.error().message;
  EXPECT_EQ(resolved->chain,
            (std::vector<std::string>{"latest", "v2", "2024-03-20/llama.Q5_K_M.gguf"}));
  EXPECT_EQ(resolved->file.key, "llama/2024-03-20/llama.Q5_K_M.gguf");
  EXPECT_EQ(resolved->file.content_sha256, sha256_hex("two"));
  EXPECT_EQ(read_tag("latest"), "two");
  ASSERT_TRUE(set("latest", "v1").ok());
  EXPECT_EQ(read_tag("latest"), "one");
}

TEST_F(ModelRegistryTest, ATargetNamingATagIsTheTagEvenIfAFileHasThatName) {
  docs_layout();
  put("llama/v1", "a file called v1");
  auto view = set("latest", "v1");
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(view->targets[0].kind, TargetKind::kTag);
  EXPECT_EQ(read_tag("latest"), "one");
}

TEST_F(ModelRegistryTest, PinnedTagKeepsServingOldBytesAfterAnOverwrite) {
  docs_layout();
  put("llama/2024-03-20/llama.Q5_K_M.gguf", "two, rebuilt");
  EXPECT_EQ(read_tag("latest"), "two");
  EXPECT_EQ(read_tag("v2"), "two");
  ASSERT_TRUE(store_->delete_object("models", "llama/2024-03-20/llama.Q5_K_M.gguf").ok());
  EXPECT_EQ(read_tag("latest"), "two");
}

TEST_F(ModelRegistryTest, RefusedChangesLeaveTheTagsAsTheyWere) {
  docs_layout();
  const auto before = registry_->get_tag("models", "llama", "v2", "c")->record.etag;
  struct Case {
    std::string tag;
    std::string request;
    ModelErrc code;
  };
  for (const auto& c : std::vector<Case>{
           {"v2", "latest", ModelErrc::kInvalidTagTarget},  // a cycle
           {"v2", "v2", ModelErrc::kInvalidTagTarget},      // onto itself
           {"v2", "2099-01-01/missing.gguf", ModelErrc::kInvalidTagTarget},
           {"v2", "other/tags/x", ModelErrc::kInvalidTagTarget},  // another model's tag key
           {"v2", R"({"targets": [{"target": "v1", "weight": 0}]})", ModelErrc::kInvalidArgument},
       }) {
    auto r = set(c.tag, c.request);
    ASSERT_FALSE(r.ok()) << c.request;
    EXPECT_EQ(r.error().code, c.code) << c.request << ": " << r.error().message;
  }
  EXPECT_EQ(registry_->get_tag("models", "llama", "v2", "c")->record.etag, before);
  EXPECT_EQ(history_size("v2"), 1u);
  EXPECT_EQ(read_tag("latest"), "two");
}

TEST_F(ModelRegistryTest, AChainOfMoreThanEightHopsIsRefused) {
  put("llama/f.gguf", "f");
  ASSERT_TRUE(set("t0", "f.gguf").ok());
  for (int i = 1; i < 8; ++i) {
    ASSERT_TRUE(set("t" + std::to_string(i), "t" + std::to_string(i - 1)).ok()) << i;
  }
  EXPECT_EQ(read_tag("t7"), "f");  // 8 hops
  auto r = set("t8", "t7");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ModelErrc::kTagChainTooLong);
  EXPECT_EQ(registry_->get_tag("models", "llama", "t8", "c").error().code, ModelErrc::kNoSuchTag);
}

TEST_F(ModelRegistryTest, IfMatchMovesOnlyAnUnchangedTag) {
  docs_layout();
  auto current = registry_->get_tag("models", "llama", "latest", "c");
  ASSERT_TRUE(current.ok());
  store::TagPreconditions stale;
  stale.if_match = "0123";
  auto refused = set("latest", "v1", stale);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ModelErrc::kPreconditionFailed);
  store::TagPreconditions fresh;
  fresh.if_match = current->record.etag;
  auto moved = set("latest", "v1", fresh);
  ASSERT_TRUE(moved.ok()) << moved.error().message;
  EXPECT_NE(moved->record.etag, current->record.etag);
  EXPECT_EQ(set("latest", "v2", fresh).error().code, ModelErrc::kPreconditionFailed);
}

TEST_F(ModelRegistryTest, RollbackMovesBackAndToAnyEntry) {
  docs_layout();
  ASSERT_TRUE(set("latest", "v1").ok());
  auto back = registry_->rollback("models", "llama", "latest", std::nullopt, {"AKID", "c", {}});
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(read_tag("latest"), "two");
  auto to_first = registry_->rollback("models", "llama", "latest", int64_t{2}, {"AKID", "c", {}});
  ASSERT_TRUE(to_first.ok()) << to_first.error().message;
  EXPECT_EQ(read_tag("latest"), "one");
  auto h = registry_->history("models", "llama", "latest", 10);
  ASSERT_TRUE(h.ok());
  ASSERT_EQ(h->size(), 4u);
  EXPECT_EQ((*h)[0].action, "rollback");
  EXPECT_EQ(
      registry_->rollback("models", "llama", "latest", int64_t{99}, {"AKID", "c", {}}).error().code,
      ModelErrc::kInvalidArgument);
}

TEST_F(ModelRegistryTest, RollbackRestoresTheVersionPinnedThenInAVersionedBucket) {
  ASSERT_TRUE(store_->set_versioning("models", store::VersioningState::kEnabled).ok());
  put("llama/f.gguf", "first build");
  ASSERT_TRUE(set("prod", "f.gguf").ok());
  put("llama/f.gguf", "second build");
  ASSERT_TRUE(set("prod", "f.gguf").ok());  // re-pins the current version
  EXPECT_EQ(read_tag("prod"), "second build");
  ASSERT_TRUE(registry_->rollback("models", "llama", "prod", std::nullopt, {"AKID", "c", {}}).ok());
  EXPECT_EQ(read_tag("prod"), "first build");
}

TEST_F(ModelRegistryTest, RollbackRefusesBytesNoLongerStored) {
  put("llama/f.gguf", "first build");
  ASSERT_TRUE(set("prod", "f.gguf").ok());
  put("llama/f.gguf", "second build");  // unversioned: the first build is gone once unpinned
  ASSERT_TRUE(set("prod", "f.gguf").ok());
  auto r = registry_->rollback("models", "llama", "prod", std::nullopt, {"AKID", "c", {}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ModelErrc::kInvalidTagTarget);
  EXPECT_EQ(read_tag("prod"), "second build");
}

TEST_F(ModelRegistryTest, TaggingAMultipartFileComputesAndRecordsItsSha256) {
  put_multipart("llama/big.gguf");
  ASSERT_TRUE(store_->get_version("models", "llama/big.gguf")->content_sha256.empty());

  auto view = set("big", "big.gguf");
  ASSERT_TRUE(view.ok()) << view.error().message;
  const std::string expected = sha256_hex("first half, second half");
  EXPECT_EQ(view->targets[0].sha256, expected);
  ASSERT_TRUE(view->resolved);
  EXPECT_EQ(view->resolved->file.content_sha256, expected);
  EXPECT_EQ(store_->get_version("models", "llama/big.gguf")->content_sha256, expected);
  EXPECT_EQ(read_tag("big"), "first half, second half");
}

TEST_F(ModelRegistryTest, TheContentHasherRecordsTheSha256OfACompletedUploadInTheBackground) {
  auto version = put_multipart("llama/big.gguf");
  ContentHasher hasher(*registry_);
  hasher.submit("models", version);
  std::string recorded;
  for (int i = 0; i < 500 && recorded.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    recorded = store_->get_version("models", "llama/big.gguf")->content_sha256;
  }
  EXPECT_EQ(recorded, sha256_hex("first half, second half"));
}

TEST_F(ModelRegistryTest, AStoppedHashRecordsNothing) {
  auto version = put_multipart("llama/big.gguf");
  std::stop_source stop;
  stop.request_stop();
  EXPECT_FALSE(registry_->ensure_content_sha256("models", version, stop.get_token()).ok());
  EXPECT_TRUE(store_->get_version("models", "llama/big.gguf")->content_sha256.empty());
}

TEST_F(ModelRegistryTest, AWeightedTagSplitsClientsAndEachKeepsItsChoice) {
  docs_layout();
  ASSERT_TRUE(set("canary", R"({"targets": [{"target": "v2", "weight": 10},
                                            {"target": "v1", "weight": 90}]})")
                  .ok());
  int v2 = 0;
  for (int i = 0; i < 1000; ++i) {
    const std::string client = "pod-" + std::to_string(i);
    auto first = registry_->resolve("models", "llama", "canary", client);
    auto again = registry_->resolve("models", "llama", "canary", client);
    ASSERT_TRUE(first.ok() && again.ok());
    ASSERT_EQ(first->chosen_target, again->chosen_target);
    if (first->chosen_target == "v2") ++v2;
  }
  EXPECT_GE(v2, 62);
  EXPECT_LE(v2, 138);
}

TEST_F(ModelRegistryTest, DeletingATagRemovesItAndRecordsIt) {
  docs_layout();
  ASSERT_TRUE(registry_->delete_tag("models", "llama", "v1", {"AKID", "c", {}}).ok());
  EXPECT_EQ(registry_->get_tag("models", "llama", "v1", "c").error().code, ModelErrc::kNoSuchTag);
  EXPECT_EQ(registry_->delete_tag("models", "llama", "v1", {"AKID", "c", {}}).error().code,
            ModelErrc::kNoSuchTag);
  auto h = registry_->history("models", "llama", "v1", 10);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ((*h)[0].action, "delete");
}

TEST_F(ModelRegistryTest, ModelsListTheirTagsAndFiles) {
  docs_layout();
  put("llama/README.md", "readme");
  auto model = registry_->get_model("models", "llama", "c");
  ASSERT_TRUE(model.ok()) << model.error().message;
  ASSERT_EQ(model->tags.size(), 3u);
  EXPECT_EQ(model->tags[0].record.tag, "latest");
  ASSERT_EQ(model->files.size(), 3u);  // tags are not files
  EXPECT_EQ(model->files[0].key, "llama/2024-01-15/llama.Q4_K_M.gguf");
  EXPECT_EQ(model->files[0].content_sha256, sha256_hex("one"));
  auto all = registry_->list_models("models", "c");
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].name, "llama");
  EXPECT_EQ(registry_->get_model("models", "nothing", "c").error().code, ModelErrc::kNoSuchKey);
}

}  // namespace
}  // namespace moss::models
