// Canned ACL marks in the SQLite metadata store: set, kept per version, durable,
// and the schema migration that added the bucket's.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "moss/store/sqlite_metadata_store.h"
#include "unit/store/temp_dir.h"

namespace moss::store {
namespace {

class SqliteAclTest : public ::testing::Test {
 protected:
  void SetUp() override {
    open();
    ASSERT_TRUE(store_->create_bucket("b", "owner", 1).ok());
  }

  void open() {
    store_.reset();
    auto opened = SqliteMetadataStore::open(path());
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(*opened);
  }

  std::string path() const { return dir_.path() + "/moss.db"; }

  ObjectVersion put(const std::string& key, bool public_read = false) {
    NewVersion v;
    v.key = key;
    v.segments = {BlobSegment{std::string(64, 'a'), 1}};
    v.size = 1;
    v.etag = "etag";
    v.owner = "owner";
    v.last_modified_ns = 5;
    v.attributes.public_read = public_read;
    auto r = store_->commit_version("b", v, {});
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? r->version : ObjectVersion{};
  }

  void exec(const char* sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path().c_str(), &db), SQLITE_OK);
    char* error = nullptr;
    EXPECT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, &error), SQLITE_OK) << error;
    sqlite3_free(error);
    sqlite3_close(db);
  }

  moss::testing::TempDir dir_;
  std::unique_ptr<SqliteMetadataStore> store_;
};

TEST_F(SqliteAclTest, ABucketIsPrivateUntilMarkedAndTheMarkSurvivesAReopen) {
  EXPECT_FALSE(store_->get_bucket("b")->public_read);
  ASSERT_TRUE(store_->set_bucket_public_read("b", true).ok());
  EXPECT_TRUE(store_->get_bucket("b")->public_read);
  open();
  EXPECT_TRUE(store_->get_bucket("b")->public_read);
  ASSERT_TRUE(store_->set_bucket_public_read("b", false).ok());
  EXPECT_FALSE(store_->list_buckets()->front().public_read);
  EXPECT_EQ(store_->set_bucket_public_read("nope", true).error().code, StoreErrc::kNoSuchBucket);
}

TEST_F(SqliteAclTest, EachVersionHasItsOwnMark) {
  ASSERT_TRUE(store_->set_versioning("b", VersioningState::kEnabled).ok());
  auto first = put("k", true);
  auto second = put("k");
  EXPECT_TRUE(store_->get_version("b", "k", first.version_id)->attributes.public_read);
  EXPECT_FALSE(store_->get_version("b", "k", "")->attributes.public_read);
  ASSERT_TRUE(store_->set_object_public_read("b", "k", "", true).ok());
  EXPECT_TRUE(store_->get_version("b", "k", second.version_id)->attributes.public_read);
  ASSERT_TRUE(store_->set_object_public_read("b", "k", first.version_id, false).ok());
  EXPECT_FALSE(store_->get_version("b", "k", first.version_id)->attributes.public_read);
  open();
  EXPECT_TRUE(store_->get_version("b", "k", "")->attributes.public_read);
}

TEST_F(SqliteAclTest, NoMarkOnWhatIsNotThere) {
  EXPECT_EQ(store_->set_object_public_read("b", "missing", "", true).error().code,
            StoreErrc::kNoSuchKey);
  ASSERT_TRUE(store_->set_versioning("b", VersioningState::kEnabled).ok());
  put("k");
  auto marker = store_->delete_object("b", "k", "");
  ASSERT_TRUE(marker.ok());
  EXPECT_EQ(store_->set_object_public_read("b", "k", "", true).error().code, StoreErrc::kNoSuchKey);
  EXPECT_EQ(store_->set_object_public_read("b", "k", marker->version_id, true).error().code,
            StoreErrc::kInvalidArgument);
}

TEST_F(SqliteAclTest, AVersionOneDatabaseIsMigratedOnOpen) {
  ASSERT_TRUE(store_->set_bucket_public_read("b", true).ok());
  store_.reset();
  // What a database written before the bucket mark existed looks like.
  exec("ALTER TABLE buckets DROP COLUMN public_read; PRAGMA user_version = 1;");
  open();
  auto bucket = store_->get_bucket("b");
  ASSERT_TRUE(bucket.ok()) << bucket.error().message;
  EXPECT_FALSE(bucket->public_read);
  ASSERT_TRUE(store_->set_bucket_public_read("b", true).ok());
  open();  // opening a migrated database again changes nothing
  EXPECT_TRUE(store_->get_bucket("b")->public_read);
}

TEST_F(SqliteAclTest, ADatabaseFromANewerMossIsRefused) {
  store_.reset();
  exec("PRAGMA user_version = 99;");
  auto opened = SqliteMetadataStore::open(path());
  EXPECT_FALSE(opened.ok());
}

}  // namespace
}  // namespace moss::store
