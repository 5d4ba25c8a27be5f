#include "moss/store/sqlite_metadata_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <set>
#include <thread>

#include "unit/store/metadata_backends.h"
#include "unit/store/temp_dir.h"

namespace moss::store {
namespace {

// The MetadataStore contract, run against each backend.
class MetadataStoreTest : public ::testing::TestWithParam<moss::testing::MetadataBackend> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(metadata_.available());
    auto opened = metadata_.open(dir_.path());
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(*opened);
    ASSERT_TRUE(store_->create_bucket("b", "owner", 1).ok());
  }

  NewVersion version(const std::string& key, const std::string& blob = "blob",
                     const std::string& etag = "etag") {
    NewVersion v;
    v.key = key;
    v.segments = {BlobSegment{sha(blob), 10}};
    v.size = 10;
    v.etag = etag;
    v.owner = "owner";
    v.last_modified_ns = 5;
    return v;
  }

  static std::string sha(const std::string& seed) {
    std::string s = seed;
    s.resize(64, '0');
    return s;
  }

  CommitOutcome put(const std::string& key, const std::string& blob = "blob",
                    const std::string& etag = "etag") {
    auto r = store_->commit_version("b", version(key, blob, etag), {});
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? *r : CommitOutcome{};
  }

  std::vector<std::string> list_all(const ListQuery& base) {
    std::vector<std::string> out;
    ListQuery q = base;
    while (true) {
      auto page = store_->list_objects("b", q);
      EXPECT_TRUE(page.ok());
      for (auto& o : page->objects) out.push_back(o.key);
      for (auto& p : page->common_prefixes) out.push_back(p);
      if (!page->truncated) break;
      q.marker = page->next_marker;
    }
    return out;
  }

  moss::testing::TempDir dir_;
  moss::testing::TestMetadataLocation metadata_{GetParam()};
  std::unique_ptr<MetadataStore> store_;  // through the interface, as callers use it
};

TEST_P(MetadataStoreTest, CreatingAnExistingBucketTellsWhoOwnsIt) {
  auto mine = store_->create_bucket("b", "owner", 2);
  ASSERT_FALSE(mine.ok());
  EXPECT_EQ(mine.error().code, StoreErrc::kBucketAlreadyOwnedByYou);
  auto theirs = store_->create_bucket("b", "someone-else", 2);
  ASSERT_FALSE(theirs.ok());
  EXPECT_EQ(theirs.error().code, StoreErrc::kBucketAlreadyExists);
}

TEST_P(MetadataStoreTest, DeletingABucketWithObjectsFails) {
  put("k");
  auto r = store_->delete_bucket("b");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, StoreErrc::kBucketNotEmpty);
  ASSERT_TRUE(store_->delete_object("b", "k").ok());
  EXPECT_TRUE(store_->delete_bucket("b").ok());
  EXPECT_EQ(store_->get_bucket("b").error().code, StoreErrc::kNoSuchBucket);
}

TEST_P(MetadataStoreTest, OverwriteInUnversionedBucketReleasesTheOldBlob) {
  put("k", "first");
  auto second = put("k", "second");
  ASSERT_EQ(second.released_blobs.size(), 1u);
  EXPECT_EQ(second.released_blobs[0], sha("first"));
  auto v = store_->get_version("b", "k");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->segments[0].sha256, sha("second"));
  EXPECT_EQ(v->version_id, "null");
}

// get_version answers repeated reads from a per-thread cache; any commit, on
// any thread, must make the next read see the database again.
TEST_P(MetadataStoreTest, ARepeatedReadNeverReturnsAVersionACommitReplaced) {
  put("k", "first", "e1");
  ASSERT_EQ(store_->get_version("b", "k")->etag, "e1");
  ASSERT_EQ(store_->get_version("b", "k")->etag, "e1");  // now cached
  std::thread writer([this] { put("k", "second", "e2"); });
  writer.join();
  EXPECT_EQ(store_->get_version("b", "k")->etag, "e2");
  std::thread deleter([this] { ASSERT_TRUE(store_->delete_object("b", "k").ok()); });
  deleter.join();
  EXPECT_EQ(store_->get_version("b", "k").error().code, StoreErrc::kNoSuchKey);
  ASSERT_TRUE(store_->set_versioning("b", VersioningState::kEnabled).ok());
  put("k", "third", "e3");
  auto v = store_->get_version("b", "k");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->etag, "e3");
  EXPECT_EQ(v->bucket_versioning, VersioningState::kEnabled);
}

TEST_P(MetadataStoreTest, SharedBlobIsReleasedOnlyWithItsLastReference) {
  put("a", "same");
  put("c", "same");
  auto first = store_->delete_object("b", "a");
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(first->released_blobs.empty());
  EXPECT_TRUE(*store_->blob_referenced(sha("same")));
  auto last = store_->delete_object("b", "c");
  ASSERT_TRUE(last.ok());
  ASSERT_EQ(last->released_blobs.size(), 1u);
  EXPECT_FALSE(*store_->blob_referenced(sha("same")));
}

TEST_P(MetadataStoreTest, IfMatchOnAMissingKeyIsNoSuchKeyAndWritesNothing) {
  WritePreconditions pre;
  pre.if_match = "etag";
  auto r = store_->commit_version("b", version("missing"), pre);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, StoreErrc::kNoSuchKey);
  EXPECT_EQ(store_->get_version("b", "missing").error().code, StoreErrc::kNoSuchKey);
  EXPECT_FALSE(*store_->blob_referenced(sha("blob")));
}

TEST_P(MetadataStoreTest, IfMatchComparesTheCurrentETag) {
  put("k", "one", "e1");
  WritePreconditions wrong;
  wrong.if_match = "e2";
  auto r = store_->commit_version("b", version("k", "two", "e2"), wrong);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, StoreErrc::kPreconditionFailed);
  WritePreconditions right;
  right.if_match = "e1";
  EXPECT_TRUE(store_->commit_version("b", version("k", "two", "e2"), right).ok());
  EXPECT_EQ(store_->get_version("b", "k")->etag, "e2");
}

TEST_P(MetadataStoreTest, IfNoneMatchAnyRefusesAnExistingKey) {
  WritePreconditions pre;
  pre.if_none_match = "*";
  EXPECT_TRUE(store_->commit_version("b", version("k"), pre).ok());
  auto again = store_->commit_version("b", version("k", "other"), pre);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, StoreErrc::kPreconditionFailed);
}

TEST_P(MetadataStoreTest, VersionedBucketKeepsEveryVersionAndAddsDeleteMarkers) {
  ASSERT_TRUE(store_->set_versioning("b", VersioningState::kEnabled).ok());
  auto v1 = put("k", "one");
  auto v2 = put("k", "two");
  EXPECT_NE(v1.version.version_id, v2.version.version_id);
  EXPECT_TRUE(v2.released_blobs.empty());
  auto old = store_->get_version("b", "k", v1.version.version_id);
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(old->segments[0].sha256, sha("one"));
  EXPECT_FALSE(old->is_latest);

  auto marker = store_->delete_object("b", "k");
  ASSERT_TRUE(marker.ok());
  EXPECT_TRUE(marker->delete_marker);
  EXPECT_TRUE(store_->get_version("b", "k")->is_delete_marker);
  EXPECT_TRUE(list_all({}).empty());

  // Removing the marker by its id brings the object back.
  ASSERT_TRUE(store_->delete_object("b", "k", marker->version_id).ok());
  auto latest = store_->get_version("b", "k");
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(latest->version_id, v2.version.version_id);
  EXPECT_TRUE(latest->is_latest);
}

TEST_P(MetadataStoreTest, SuspendedVersioningReplacesOnlyTheNullVersion) {
  ASSERT_TRUE(store_->set_versioning("b", VersioningState::kEnabled).ok());
  auto kept = put("k", "kept");
  ASSERT_TRUE(store_->set_versioning("b", VersioningState::kSuspended).ok());
  auto n1 = put("k", "null-one");
  EXPECT_EQ(n1.version.version_id, "null");
  auto n2 = put("k", "null-two");
  ASSERT_EQ(n2.released_blobs.size(), 1u);
  EXPECT_EQ(n2.released_blobs[0], sha("null-one"));
  EXPECT_TRUE(store_->get_version("b", "k", kept.version.version_id).ok());
}

TEST_P(MetadataStoreTest, ListingIsInUtf8ByteOrder) {
  std::vector<std::string> keys = {"b", "a", "a/b", "A", "\xc3\xa9", "a b", "a+b", "a%b",
                                   "\xe2\x82\xac", "\xf0\x9f\x98\x80", "a//b", "../x", "./"};
  for (const auto& k : keys) put(k);
  std::sort(keys.begin(), keys.end());  // std::string compares bytes as unsigned char
  EXPECT_EQ(list_all({}), keys);
}

TEST_P(MetadataStoreTest, DelimiterRollsUpCommonPrefixesAndPagingMatchesOnePage) {
  for (const auto& k : {"a/1", "a/2", "b", "c/x/1", "c/y", "d"}) put(k);
  ListQuery q;
  q.delimiter = "/";
  auto one_page = store_->list_objects("b", q);
  ASSERT_TRUE(one_page.ok());
  EXPECT_EQ(one_page->common_prefixes, (std::vector<std::string>{"a/", "c/"}));
  ASSERT_EQ(one_page->objects.size(), 2u);
  q.max_keys = 1;
  EXPECT_EQ(list_all(q), (std::vector<std::string>{"a/", "b", "c/", "d"}));
  q.prefix = "c/";
  EXPECT_EQ(list_all(q), (std::vector<std::string>{"c/x/", "c/y"}));
}

TEST_P(MetadataStoreTest, MarkerEqualToACommonPrefixResumesAfterIt) {
  for (const auto& k : {"a/1", "a/2", "b"}) put(k);
  ListQuery q;
  q.delimiter = "/";
  q.marker = "a/";
  auto page = store_->list_objects("b", q);
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->common_prefixes.empty());
  ASSERT_EQ(page->objects.size(), 1u);
  EXPECT_EQ(page->objects[0].key, "b");
}

TEST_P(MetadataStoreTest, HundredThousandKeysListWithAndWithoutDelimiter) {
  constexpr int kPrefixes = 100;
  constexpr int kPerPrefix = 1000;
  std::vector<std::string> expected;
  for (int p = 0; p < kPrefixes; ++p) {
    for (int i = 0; i < kPerPrefix; ++i) {
      char key[64];
      std::snprintf(key, sizeof key, "dir%03d/file%05d", p, i);
      expected.emplace_back(key);
    }
  }
  // Written in a shuffled order so that order comes from the index alone.
  std::vector<std::string> shuffled = expected;
  std::reverse(shuffled.begin(), shuffled.end());
  for (size_t i = 0; i < shuffled.size(); i += 7) std::swap(shuffled[i], shuffled[shuffled.size() - 1 - i]);
  for (const auto& k : shuffled) {
    ASSERT_TRUE(store_->commit_version("b", version(k, k), {}).ok());
  }

  EXPECT_EQ(list_all({}), expected);

  ListQuery q;
  q.delimiter = "/";
  auto prefixes = list_all(q);
  ASSERT_EQ(prefixes.size(), static_cast<size_t>(kPrefixes));
  EXPECT_EQ(prefixes.front(), "dir000/");
  EXPECT_EQ(prefixes.back(), "dir099/");

  q.prefix = "dir042/";
  auto inside = list_all(q);
  ASSERT_EQ(inside.size(), static_cast<size_t>(kPerPrefix));
  EXPECT_EQ(inside.front(), "dir042/file00000");
}

MOSS_INSTANTIATE_FOR_EACH_METADATA_BACKEND(MetadataStoreTest);

// Checks of one backend's own query plans.
class SqliteMetadataStoreTest : public MetadataStoreTest {};
INSTANTIATE_TEST_SUITE_P(Sqlite, SqliteMetadataStoreTest,
                         ::testing::Values(moss::testing::MetadataBackend::kSqlite),
                         moss::testing::metadata_backend_name);

TEST_P(SqliteMetadataStoreTest, ListingQueryIsACoveringIndexScan) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2((dir_.path() + "/moss.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr),
            SQLITE_OK);
  std::string sql = std::string("EXPLAIN QUERY PLAN ") + SqliteMetadataStore::kListObjectsSql;
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr), SQLITE_OK);
  std::string plan;
  while (sqlite3_step(st) == SQLITE_ROW) {
    plan += reinterpret_cast<const char*>(sqlite3_column_text(st, 3));
    plan += "\n";
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  EXPECT_NE(plan.find("SEARCH versions USING COVERING INDEX live_objects"), std::string::npos)
      << plan;
  EXPECT_EQ(plan.find("SCAN"), std::string::npos) << plan;
  EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << plan;
}

// Checks of the PostgreSQL store's schema handling.
class PostgresMetadataStoreTest : public MetadataStoreTest {};
INSTANTIATE_TEST_SUITE_P(Postgres, PostgresMetadataStoreTest,
                         ::testing::Values(moss::testing::MetadataBackend::kPostgres),
                         moss::testing::metadata_backend_name);

TEST_P(PostgresMetadataStoreTest, ReopeningKeepsDataAndASchemaNewerThanKnownIsRefused) {
  put("k", "first", "e1");
  store_.reset();
  auto reopened = metadata_.open(dir_.path());
  ASSERT_TRUE(reopened.ok()) << reopened.error().message;
  EXPECT_EQ((*reopened)->get_version("b", "k")->etag, "e1");
  reopened->reset();
  // A newer moss migrated this database: this one must not run against it.
  ASSERT_TRUE(metadata_.schema()->exec("UPDATE moss_schema SET version = version + 1"));
  auto refused = metadata_.open(dir_.path());
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("newer than this moss knows"), std::string::npos)
      << refused.error().message;
}

TEST_P(PostgresMetadataStoreTest, AVersionOneDatabaseIsMigratedOnOpen) {
  put("k", "first", "e1");
  store_.reset();
  // What migrations 2 and 3 add, taken away again: the database a moss from before
  // canned ACLs, retried completions and snapshots left.
  ASSERT_TRUE(metadata_.schema()->exec(
      "ALTER TABLE buckets DROP COLUMN public_read; ALTER TABLE tags DROP COLUMN snapshots; "
      "DROP TABLE completed_uploads; DROP TABLE snapshots; DROP TABLE snapshot_files; "
      "DROP TABLE snapshot_releases; UPDATE moss_schema SET version = 1"));
  auto reopened = metadata_.open(dir_.path());
  ASSERT_TRUE(reopened.ok()) << reopened.error().message;
  EXPECT_EQ((*reopened)->get_version("b", "k")->etag, "e1");
  EXPECT_FALSE((*reopened)->get_bucket("b")->public_read);
  ASSERT_TRUE((*reopened)->set_bucket_public_read("b", true).ok());
  EXPECT_TRUE((*reopened)->get_bucket("b")->public_read);
  auto snapshot = (*reopened)->get_snapshot("b", "m", std::string(64, 'a'));
  ASSERT_FALSE(snapshot.ok());
  EXPECT_EQ(snapshot.error().code, StoreErrc::kNoSuchKey);
}

TEST_P(PostgresMetadataStoreTest, KeysWithAnyBytesListInByteOrder) {
  // NUL-free but otherwise arbitrary UTF-8, and bounds the listing computes
  // (0xFF) that are no valid TEXT: keys are BYTEA.
  for (const char* k : {"a", "a\x7f", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "z"}) {
    put(k);
  }
  EXPECT_EQ(list_all({}), (std::vector<std::string>{"a", "a\x7f", "z", "\xc3\xa9",
                                                    "\xe2\x82\xac", "\xf0\x9f\x98\x80"}));
  ListQuery q;
  q.prefix = "\xe2";
  EXPECT_EQ(list_all(q), (std::vector<std::string>{"\xe2\x82\xac"}));
}

}  // namespace
}  // namespace moss::store
