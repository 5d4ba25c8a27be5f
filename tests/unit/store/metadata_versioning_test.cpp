// ListObjectVersions, noncurrent times, lifecycle rules and expiries in the
// metadata store, run against each backend.
#include <gtest/gtest.h>

#include "moss/store/sqlite_db.h"
#include "moss/store/sqlite_metadata_store.h"
#include "unit/store/metadata_backends.h"
#include "unit/store/temp_dir.h"

namespace moss::store {
namespace {

class MetadataVersioningTest : public ::testing::TestWithParam<moss::testing::MetadataBackend> {
 protected:
  void SetUp() override { open(); }

  void open() {
    store_.reset();
    ASSERT_TRUE(metadata_.available());
    auto opened = metadata_.open(dir_.path());
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(*opened);
    auto b = store_->create_bucket("b", "owner", 1);
    ASSERT_TRUE(b.ok() || b.error().code == StoreErrc::kBucketAlreadyOwnedByYou);
  }

  static std::string sha(const std::string& seed) {
    std::string s = seed;
    s.resize(64, '0');
    return s;
  }

  ObjectVersion put(const std::string& key, const std::string& blob = "blob", int64_t t = 5) {
    NewVersion v;
    v.key = key;
    v.segments = {BlobSegment{sha(blob), 10}};
    v.size = 10;
    v.etag = "etag-" + blob;
    v.owner = "owner";
    v.last_modified_ns = t;
    auto r = store_->commit_version("b", v, {});
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? r->version : ObjectVersion{};
  }

  // "key:version" for versions, "key/" entries as common prefixes, "+" for a marker.
  std::vector<std::string> list_all(VersionListQuery q) {
    std::vector<std::string> out;
    for (int pages = 0; pages < 1000; ++pages) {
      auto page = store_->list_versions("b", q);
      EXPECT_TRUE(page.ok()) << page.error().message;
      if (!page.ok()) break;
      for (const auto& v : page->versions) {
        out.push_back(v.key + ":" + v.version_id + (v.is_delete_marker ? "+" : "") +
                      (v.is_latest ? "*" : ""));
      }
      for (const auto& p : page->common_prefixes) out.push_back(p);
      if (!page->truncated) break;
      q.key_marker = page->next_key_marker;
      q.version_id_marker = page->next_version_id_marker;
    }
    return out;
  }

  moss::testing::TempDir dir_;
  moss::testing::TestMetadataLocation metadata_{GetParam()};
  std::unique_ptr<MetadataStore> store_;
};

TEST_P(MetadataVersioningTest, ListsKeysAscendingAndEachKeysVersionsNewestFirst) {
  ASSERT_TRUE(store_->set_versioning("b", VersioningState::kEnabled).ok());
  auto b1 = put("b");
  auto a1 = put("a");
  auto b2 = put("b", "two");
  auto marker = store_->delete_object("b", "a");
  ASSERT_TRUE(marker.ok());
  auto a3 = put("a", "three");
  const std::vector<std::string> expected = {"a:" + a3.version_id + "*",
                                             "a:" + marker->version_id + "+", "a:" + a1.version_id,
                                             "b:" + b2.version_id + "*", "b:" + b1.version_id};
  EXPECT_EQ(list_all({}), expected);
  // Every page size gives the same sequence.
  for (int max_keys = 1; max_keys <= 5; ++max_keys) {
    VersionListQuery q;
    q.max_keys = max_keys;
    EXPECT_EQ(list_all(q), expected) << max_keys;
  }
}

TEST_P(MetadataVersioningTest, MarkersResumeAfterTheNamedVersionOrAfterTheWholeKey) {
  ASSERT_TRUE(store_->set_versioning("b", VersioningState::kEnabled).ok());
  auto k1 = put("k");
  auto k2 = put("k", "2");
  auto k3 = put("k", "3");
  auto z1 = put("z");
  VersionListQuery q;
  q.key_marker = "k";
  EXPECT_EQ(list_all(q), (std::vector<std::string>{"z:" + z1.version_id + "*"}));
  q.version_id_marker = k2.version_id;
  EXPECT_EQ(list_all(q),
            (std::vector<std::string>{"k:" + k1.version_id, "z:" + z1.version_id + "*"}));
  q.version_id_marker = k3.version_id;
  EXPECT_EQ(list_all(q).size(), 3u);
  // A version that is not (or no longer) there: the key is skipped.
  q.version_id_marker = "0000000000000000ffffffffffffffff";
  EXPECT_EQ(list_all(q), (std::vector<std::string>{"z:" + z1.version_id + "*"}));
}

TEST_P(MetadataVersioningTest, PageMarkersNameTheLastEntryReturned) {
  ASSERT_TRUE(store_->set_versioning("b", VersioningState::kEnabled).ok());
  put("k");
  auto k2 = put("k", "2");
  VersionListQuery q;
  q.max_keys = 1;
  auto page = store_->list_versions("b", q);
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->truncated);
  EXPECT_EQ(page->next_key_marker, "k");
  EXPECT_EQ(page->next_version_id_marker, k2.version_id);
}

TEST_P(MetadataVersioningTest, DelimiterRollsUpCommonPrefixesOnce) {
  ASSERT_TRUE(store_->set_versioning("b", VersioningState::kEnabled).ok());
  put("dir/a");
  put("dir/a", "2");
  put("dir/b");
  auto top = put("top");
  VersionListQuery q;
  q.delimiter = "/";
  EXPECT_EQ(list_all(q), (std::vector<std::string>{"top:" + top.version_id + "*", "dir/"}));
  q.max_keys = 1;
  EXPECT_EQ(list_all(q), (std::vector<std::string>{"dir/", "top:" + top.version_id + "*"}));
  q = {};
  q.prefix = "dir/";
  EXPECT_EQ(list_all(q).size(), 3u);
}

TEST_P(MetadataVersioningTest, UnversionedObjectsListAsTheirNullVersion) {
  put("x");
  put("x", "again");
  EXPECT_EQ(list_all({}), (std::vector<std::string>{"x:null*"}));
}

TEST_P(MetadataVersioningTest, AVersionRecordsWhenItBecameNoncurrent) {
  ASSERT_TRUE(store_->set_versioning("b", VersioningState::kEnabled).ok());
  put("k", "1", 100);
  put("k", "2", 200);
  auto marker = store_->delete_object("b", "k");
  ASSERT_TRUE(marker.ok());
  auto page = store_->list_versions("b", {});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->versions.size(), 3u);
  EXPECT_EQ(page->versions[0].noncurrent_since_ns, 0);    // the marker, latest
  EXPECT_GT(page->versions[1].noncurrent_since_ns, 200);  // when the marker was written
  EXPECT_EQ(page->versions[2].noncurrent_since_ns, 200);  // when version 2 was written
  // Removing the marker makes version 2 current again.
  ASSERT_TRUE(store_->delete_object("b", "k", marker->version_id).ok());
  page = store_->list_versions("b", {});
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->versions[0].is_latest);
  EXPECT_EQ(page->versions[0].noncurrent_since_ns, 0);
}

TEST_P(MetadataVersioningTest, LifecycleRulesAreStoredReplacedAndRemoved) {
  auto none = store_->get_lifecycle("b");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  LifecycleRule r;
  r.id = "keep-two";
  r.prefix = "models/";
  r.noncurrent_days = 1;
  r.newer_noncurrent_versions = 2;
  r.expired_object_delete_marker = false;
  r.filter_form = RuleFilterForm::kEmptyFilter;
  ASSERT_TRUE(store_->put_lifecycle("b", {r}).ok());
  open();  // survives a restart
  auto got = store_->get_lifecycle("b");
  ASSERT_TRUE(got.ok() && got->has_value());
  ASSERT_EQ((*got)->size(), 1u);
  const auto& g = (**got)[0];
  EXPECT_EQ(g.id, "keep-two");
  EXPECT_EQ(g.prefix, "models/");
  EXPECT_EQ(g.noncurrent_days, 1);
  EXPECT_EQ(g.newer_noncurrent_versions, 2);
  EXPECT_EQ(g.expired_object_delete_marker, false);
  EXPECT_FALSE(g.expiration_days);
  EXPECT_EQ(g.filter_form, RuleFilterForm::kEmptyFilter);
  EXPECT_EQ(*store_->list_lifecycle_buckets(), (std::vector<std::string>{"b"}));

  ASSERT_TRUE(store_->delete_lifecycle("b").ok());
  ASSERT_TRUE(store_->delete_lifecycle("b").ok());  // again: not an error
  EXPECT_FALSE(store_->get_lifecycle("b")->has_value());
  EXPECT_TRUE(store_->list_lifecycle_buckets()->empty());
  EXPECT_EQ(store_->put_lifecycle("missing", {r}).error().code, StoreErrc::kNoSuchBucket);
}

TEST_P(MetadataVersioningTest, ABucketCreatedAgainDoesNotInheritTheOldRules) {
  LifecycleRule r;
  r.id = "r";
  r.expiration_days = 1;
  ASSERT_TRUE(store_->put_lifecycle("b", {r}).ok());
  ASSERT_TRUE(store_->delete_bucket("b").ok());
  ASSERT_TRUE(store_->create_bucket("b", "owner", 2).ok());
  EXPECT_FALSE(store_->get_lifecycle("b")->has_value());
}

TEST_P(MetadataVersioningTest, ExpiryOfANoncurrentVersionRechecksItIsStillNoncurrent) {
  ASSERT_TRUE(store_->set_versioning("b", VersioningState::kEnabled).ok());
  auto v1 = put("k", "1");
  auto v2 = put("k", "2");
  // v2 is current: an expiry decided on it as noncurrent does nothing.
  auto none =
      store_->expire_version("b", {ExpiryKind::kNoncurrentVersion, "k", v2.version_id, v2.row_id});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->version_id.empty());
  auto done =
      store_->expire_version("b", {ExpiryKind::kNoncurrentVersion, "k", v1.version_id, v1.row_id});
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->version_id, v1.version_id);
  ASSERT_EQ(done->released_blobs.size(), 1u);
  EXPECT_EQ(done->released_blobs[0], sha("1"));
  EXPECT_EQ(store_->get_version("b", "k", v1.version_id).error().code, StoreErrc::kNoSuchVersion);
}

TEST_P(MetadataVersioningTest, ExpiryOfTheCurrentVersionAddsAMarkerUnlessAClientWroteMeanwhile) {
  ASSERT_TRUE(store_->set_versioning("b", VersioningState::kEnabled).ok());
  auto v1 = put("k", "1");
  auto v2 = put("k", "2");
  auto stale =
      store_->expire_version("b", {ExpiryKind::kCurrentVersion, "k", v1.version_id, v1.row_id});
  ASSERT_TRUE(stale.ok());
  EXPECT_TRUE(stale->version_id.empty());
  auto expired =
      store_->expire_version("b", {ExpiryKind::kCurrentVersion, "k", v2.version_id, v2.row_id});
  ASSERT_TRUE(expired.ok());
  EXPECT_TRUE(expired->delete_marker);
  EXPECT_TRUE(expired->released_blobs.empty());
  EXPECT_TRUE(store_->get_version("b", "k")->is_delete_marker);
  EXPECT_TRUE(store_->get_version("b", "k", v2.version_id).ok());
}

TEST_P(MetadataVersioningTest, ExpiryOfTheCurrentVersionInAnUnversionedBucketRemovesIt) {
  auto v = put("k", "1");
  auto expired = store_->expire_version("b", {ExpiryKind::kCurrentVersion, "k", "null", v.row_id});
  ASSERT_TRUE(expired.ok());
  EXPECT_EQ(expired->version_id, "null");
  EXPECT_FALSE(expired->delete_marker);
  EXPECT_EQ(expired->released_blobs.size(), 1u);
  EXPECT_EQ(store_->get_version("b", "k").error().code, StoreErrc::kNoSuchKey);
}

// Unversioned: the overwrite is "null" as well, and (the old row being the
// newest in the table) SQLite alone would even have given it the same row id.
TEST_P(MetadataVersioningTest, AnExpiryDecidedOnANullVersionSparesTheOverwriteThatReplacedIt) {
  auto read_by_worker = put("k", "1");
  auto overwrite = put("k", "2");
  ASSERT_EQ(overwrite.version_id, "null");
  ASSERT_NE(overwrite.row_id, read_by_worker.row_id);
  auto expired = store_->expire_version(
      "b", {ExpiryKind::kCurrentVersion, "k", "null", read_by_worker.row_id});
  ASSERT_TRUE(expired.ok());
  EXPECT_TRUE(expired->version_id.empty());
  auto current = store_->get_version("b", "k");
  ASSERT_TRUE(current.ok()) << "the overwrite was expired";
  EXPECT_EQ(current->etag, overwrite.etag);
}

TEST_P(MetadataVersioningTest, RowIdsAreNeverReusedAcrossReopens) {
  auto first = put("k", "1");
  ASSERT_TRUE(store_->delete_object("b", "k").ok());  // the newest row is gone
  open();
  auto second = put("k", "2");
  EXPECT_GT(second.row_id, first.row_id);
}

// A database made before the row-id counter gets it on open, seeded past every
// id it holds (PostgreSQL's ids come from an identity column).
TEST(SqliteSchemaUpgrade, ADatabaseMadeBeforeTheRowIdCounterGetsItOnOpen) {
  moss::testing::TempDir dir;
  const std::string path = dir.path() + "/moss.db";
  auto put = [](MetadataStore& store, const std::string& key) {
    NewVersion v;
    v.key = key;
    v.segments = {BlobSegment{std::string(64, 'a'), 10}};
    v.size = 10;
    v.etag = "etag";
    v.owner = "owner";
    v.last_modified_ns = 5;
    auto r = store.commit_version("b", v, {});
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? r->version : ObjectVersion{};
  };
  int64_t newest_row_id = 0;
  {
    auto store = SqliteMetadataStore::open(path);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->create_bucket("b", "owner", 1).ok());
    put(**store, "a");
    newest_row_id = put(**store, "b").row_id;
  }
  {
    auto db = SqliteConnection::open(path, false);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->exec("DROP TABLE version_row_ids;").ok());
  }
  auto store = SqliteMetadataStore::open(path);
  ASSERT_TRUE(store.ok()) << store.error().message;
  ASSERT_TRUE(static_cast<MetadataStore&>(**store).delete_object("b", "b").ok());
  EXPECT_GT(put(**store, "c").row_id, newest_row_id);
}

TEST_P(MetadataVersioningTest, AnExpiredDeleteMarkerGoesOnlyWhenItIsTheLastVersion) {
  ASSERT_TRUE(store_->set_versioning("b", VersioningState::kEnabled).ok());
  auto v1 = put("k", "1");
  auto marker = store_->delete_object("b", "k");
  ASSERT_TRUE(marker.ok());
  const ExpiryTarget target{ExpiryKind::kExpiredDeleteMarker, "k", marker->version_id,
                            store_->get_version("b", "k")->row_id};
  EXPECT_TRUE(store_->expire_version("b", target)->version_id.empty());
  ASSERT_TRUE(
      store_->expire_version("b", {ExpiryKind::kNoncurrentVersion, "k", v1.version_id, v1.row_id})
          ->delete_marker == false);
  auto removed = store_->expire_version("b", target);
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(removed->version_id, marker->version_id);
  EXPECT_TRUE(list_all({}).empty());
}

MOSS_INSTANTIATE_FOR_EACH_METADATA_BACKEND(MetadataVersioningTest);

}  // namespace
}  // namespace moss::store
