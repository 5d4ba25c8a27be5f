// The lifecycle worker over a real ObjectStore: what it expires, and that blob
// files go exactly when their last reference does.
#include "moss/store/lifecycle_worker.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "moss/store/lifecycle_policy.h"
#include "moss/util/clock.h"
#include "unit/store/metadata_backends.h"
#include "unit/store/sealed_writes.h"
#include "unit/store/store_files.h"
#include "unit/store/temp_dir.h"

namespace moss::store {
namespace {

class LifecycleWorkerTest : public ::testing::TestWithParam<moss::testing::MetadataBackend> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(metadata_.available());
    auto opened = ObjectStore::open(dir_.path(), metadata_.location());
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(*opened);
    ASSERT_TRUE(store_->create_bucket("b", "owner", 1).ok());
    ASSERT_TRUE(store_->set_versioning("b", VersioningState::kEnabled).ok());
  }

  ObjectVersion put(const std::string& key, const std::string& body,
                    const std::string& bucket = "b") {
    auto sealed = moss::testing::seal_body(*store_, body);
    NewVersion v = moss::testing::version_of(key, *sealed);
    v.last_modified_ns = now_unix_nanos();
    auto r = store_->put_object(bucket, v, *sealed, {});
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? *r : ObjectVersion{};
  }

  void set_rule(const LifecycleRule& rule) { ASSERT_TRUE(store_->put_lifecycle("b", {rule}).ok()); }

  size_t version_count() {
    auto page = store_->list_versions("b", {});
    return page.ok() ? page->versions.size() : 0;
  }

  std::string blobs_dir() const { return dir_.path() + "/blobs"; }
  static int64_t days_from_now(int days) { return now_unix_nanos() + days * kNanosPerDay; }

  moss::testing::TempDir dir_;
  // Released blob files, gone (count_blob_files).
  size_t blob_files() { return moss::testing::count_blob_files(*store_, dir_.path()); }

  moss::testing::TestMetadataLocation metadata_{GetParam()};
  std::unique_ptr<ObjectStore> store_;
};

MOSS_INSTANTIATE_FOR_EACH_METADATA_BACKEND(LifecycleWorkerTest);

TEST_P(LifecycleWorkerTest, KeepingTwoNoncurrentVersionsLeavesExactlyTwoAndFreesTheRest) {
  for (int i = 1; i <= 6; ++i) put("models/m.gguf", "weights v" + std::to_string(i));
  put("other/x", "untouched");
  put("other/x", "untouched 2");
  ASSERT_EQ(blob_files(), 8u);
  LifecycleRule rule;
  rule.id = "keep-two";
  rule.prefix = "models/";
  rule.noncurrent_days = 1;
  rule.newer_noncurrent_versions = 2;
  set_rule(rule);

  LifecycleWorker worker(*store_);
  // Not yet: the noncurrent versions are less than a day old.
  auto early = worker.run();
  ASSERT_TRUE(early.ok()) << early.error().message;
  EXPECT_EQ(early->noncurrent_versions_expired, 0u);

  auto stats = worker.run_at(days_from_now(2));
  ASSERT_TRUE(stats.ok()) << stats.error().message;
  EXPECT_EQ(stats->buckets, 1u);
  EXPECT_EQ(stats->noncurrent_versions_expired, 3u);
  EXPECT_EQ(stats->blobs_released, 3u);
  EXPECT_EQ(blob_files(), 5u);
  EXPECT_EQ(version_count(), 3u + 2u);

  // Running again changes nothing.
  auto again = worker.run_at(days_from_now(2));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->noncurrent_versions_expired, 0u);
}

TEST_P(LifecycleWorkerTest, ABlobSharedWithAKeptVersionStays) {
  auto v1 = put("k", "same bytes");
  put("k", "other bytes");
  auto v3 = put("k", "same bytes");
  EXPECT_EQ(blob_files(), 2u);  // identical content stored once
  LifecycleRule rule;
  rule.id = "all-noncurrent";
  rule.noncurrent_days = 1;
  set_rule(rule);
  LifecycleWorker worker(*store_);
  auto stats = worker.run_at(days_from_now(2));
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->noncurrent_versions_expired, 2u);
  EXPECT_EQ(stats->blobs_released, 1u);  // "other bytes" only
  EXPECT_EQ(blob_files(), 1u);
  auto current = store_->open_object("b", "k");
  ASSERT_TRUE(current.ok());
  EXPECT_EQ(current->version.version_id, v3.version_id);
  EXPECT_EQ(store_->open_object("b", "k", v1.version_id).error().code, StoreErrc::kNoSuchVersion);
}

TEST_P(LifecycleWorkerTest, ExpirationMarksThenNoncurrentExpiryAndMarkerCleanupEmptyTheKey) {
  put("tmp/scratch", "scratch");
  LifecycleRule rule;
  rule.id = "tmp";
  rule.prefix = "tmp/";
  rule.expiration_days = 1;
  rule.noncurrent_days = 1;
  set_rule(rule);
  LifecycleWorker worker(*store_);
  auto first = worker.run_at(days_from_now(3));
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->current_versions_expired, 1u);
  EXPECT_TRUE(store_->get_version("b", "tmp/scratch")->is_delete_marker);
  EXPECT_EQ(blob_files(), 1u);  // the version is noncurrent, not gone

  auto later = worker.run_at(days_from_now(6));
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(later->noncurrent_versions_expired, 1u);
  EXPECT_EQ(later->delete_markers_removed, 1u);
  EXPECT_EQ(version_count(), 0u);
  EXPECT_EQ(blob_files(), 0u);
}

// In an unversioned or suspended bucket every write is version "null": the
// worker must tell the version it planned to expire from an overwrite
// acknowledged after it read the key.
TEST_P(LifecycleWorkerTest, AnOverwriteMadeWhileARunIsPartWayThroughSurvivesIt) {
  for (auto state : {VersioningState::kUnversioned, VersioningState::kSuspended}) {
    const std::string bucket = state == VersioningState::kUnversioned ? "plain" : "suspended";
    ASSERT_TRUE(store_->create_bucket(bucket, "owner", 1).ok());
    if (state == VersioningState::kSuspended) {
      ASSERT_TRUE(store_->set_versioning(bucket, VersioningState::kSuspended).ok());
    }
    LifecycleRule rule;
    rule.id = "expire";
    rule.expiration_days = 1;
    ASSERT_TRUE(store_->put_lifecycle(bucket, {rule}).ok());
    const auto old_version = put("k", "old bytes", bucket);

    LifecycleWorker worker(*store_);
    ObjectVersion fresh;
    worker.set_before_expiries_hook([&](const std::string& key) {
      if (key == "k" && fresh.row_id == 0) fresh = put("k", "fresh bytes", bucket);
    });
    auto stats = worker.run_at(days_from_now(2));
    ASSERT_TRUE(stats.ok()) << stats.error().message;
    ASSERT_EQ(fresh.version_id, "null");
    ASSERT_NE(fresh.row_id, old_version.row_id) << "row id reused";
    EXPECT_EQ(stats->current_versions_expired, 0u) << bucket;
    auto current = store_->get_version(bucket, "k");
    ASSERT_TRUE(current.ok()) << bucket << ": the fresh overwrite was expired";
    EXPECT_FALSE(current->is_delete_marker) << bucket;
    EXPECT_EQ(current->etag, fresh.etag) << bucket;
    // The next iteration's run is about its own bucket only.
    ASSERT_TRUE(store_->delete_lifecycle(bucket).ok());
  }
}

TEST_P(LifecycleWorkerTest, AnExpiryAppliesOnlyToTheRowItWasPlannedOn) {
  ASSERT_TRUE(store_->create_bucket("suspended", "owner", 1).ok());
  ASSERT_TRUE(store_->set_versioning("suspended", VersioningState::kSuspended).ok());
  put("k", "bytes", "suspended");
  ASSERT_TRUE(store_->delete_object("suspended", "k").ok());  // a lone "null" marker
  LifecycleRule rule;
  rule.id = "markers";
  rule.expired_object_delete_marker = true;
  auto planned =
      plan_key_expiries({rule}, store_->list_versions("suspended", {})->versions, days_from_now(1));
  ASSERT_EQ(planned.size(), 1u);
  ASSERT_EQ(planned[0].kind, ExpiryKind::kExpiredDeleteMarker);

  // A client writes and deletes again: another lone "null" marker, a new row.
  put("k", "bytes again", "suspended");
  ASSERT_TRUE(store_->delete_object("suspended", "k").ok());
  auto outcome = store_->expire_version("suspended", planned[0]);
  ASSERT_TRUE(outcome.ok()) << outcome.error().message;
  EXPECT_EQ(outcome->version_id, "");  // nothing changed
  auto versions = store_->list_versions("suspended", {});
  ASSERT_EQ(versions->versions.size(), 1u);
  EXPECT_TRUE(versions->versions[0].is_delete_marker);
}

TEST_P(LifecycleWorkerTest, StaleMultipartUploadsAreAborted) {
  MultipartUpload u;
  u.key = "big/model.gguf";
  u.owner = "owner";
  u.initiated_ns = now_unix_nanos();
  auto upload = store_->create_upload("b", u);
  ASSERT_TRUE(upload.ok());
  u.key = "keep/model.gguf";
  ASSERT_TRUE(store_->create_upload("b", u).ok());
  LifecycleRule rule;
  rule.id = "uploads";
  rule.prefix = "big/";
  rule.abort_upload_days = 2;
  set_rule(rule);
  LifecycleWorker worker(*store_);
  EXPECT_EQ(worker.run_at(days_from_now(1))->uploads_aborted, 0u);
  EXPECT_EQ(worker.run_at(days_from_now(3))->uploads_aborted, 1u);
  auto left = store_->list_uploads("b", {});
  ASSERT_TRUE(left.ok());
  ASSERT_EQ(left->uploads.size(), 1u);
  EXPECT_EQ(left->uploads[0].key, "keep/model.gguf");
}

TEST_P(LifecycleWorkerTest, DisabledRulesAndBucketsWithoutRulesAreLeftAlone) {
  put("k", "1");
  put("k", "2");
  LifecycleWorker worker(*store_);
  EXPECT_EQ(worker.run_at(days_from_now(30))->buckets, 0u);
  LifecycleRule rule;
  rule.id = "off";
  rule.enabled = false;
  rule.noncurrent_days = 1;
  set_rule(rule);
  auto stats = worker.run_at(days_from_now(30));
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->noncurrent_versions_expired, 0u);
  EXPECT_EQ(version_count(), 2u);
}

TEST_P(LifecycleWorkerTest, AStoppedWorkerChangesNothing) {
  put("k", "1");
  put("k", "2");
  LifecycleRule rule;
  rule.id = "r";
  rule.noncurrent_days = 1;
  set_rule(rule);
  LifecycleWorker worker(*store_);
  worker.stop();
  auto stats = worker.run_at(days_from_now(2));
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->noncurrent_versions_expired, 0u);
  EXPECT_EQ(version_count(), 2u);
}

TEST_P(LifecycleWorkerTest, ManyKeysAcrossPagesAreAllVisited) {
  for (int i = 0; i < 1100; ++i) {
    // Cheap versions: the same two bodies for every key.
    put("k" + std::to_string(10000 + i), "a");
    put("k" + std::to_string(10000 + i), "b");
  }
  LifecycleRule rule;
  rule.id = "r";
  rule.noncurrent_days = 1;
  set_rule(rule);
  LifecycleWorker worker(*store_);
  auto stats = worker.run_at(days_from_now(2));
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->noncurrent_versions_expired, 1100u);
  EXPECT_EQ(stats->blobs_released, 1u);  // "a", once its last version went
  EXPECT_EQ(version_count(), 1000u);     // one page: the 1100 current versions remain
}

}  // namespace
}  // namespace moss::store
