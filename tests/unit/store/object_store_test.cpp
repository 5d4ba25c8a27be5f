#include "moss/store/object_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "moss/store/local_blob_store.h"
#include "unit/store/store_files.h"
#include "unit/store/temp_dir.h"

namespace moss::store {
namespace {

using moss::testing::count_files;
using moss::testing::read_fd;

namespace fs = std::filesystem;

class ObjectStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { reopen(); }

  void reopen() {
    store_.reset();
    auto opened = ObjectStore::open_local(dir_.path());
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(*opened);
    auto b = store_->create_bucket("b", "owner", 1);
    ASSERT_TRUE(b.ok() || b.error().code == StoreErrc::kBucketAlreadyOwnedByYou);
  }

  StoreResult<ObjectVersion> put(const std::string& key, const std::string& body,
                                 const WritePreconditions& pre = {}) {
    auto writer = store_->begin_blob({});
    EXPECT_TRUE(writer.ok());
    EXPECT_TRUE((*writer)->write(std::span(reinterpret_cast<const uint8_t*>(body.data()),
                                           body.size()))
                    .ok());
    auto sealed = (*writer)->seal();
    EXPECT_TRUE(sealed.ok());
    NewVersion v;
    v.key = key;
    v.segments = {BlobSegment{(*sealed)->sha256_hex(), (*sealed)->size()}};
    v.size = (*sealed)->size();
    v.etag = (*sealed)->md5_hex();
    v.content_sha256 = (*sealed)->sha256_hex();
    v.owner = "owner";
    return store_->put_object("b", v, **sealed, pre);
  }

  std::string get(const std::string& key) {
    auto opened = store_->open_object("b", key);
    if (!opened.ok()) return "<missing>";
    std::string out;
    for (auto& fd : opened->segments) out += read_fd(fd.get());
    return out;
  }

  std::string blobs_dir() const { return dir_.path() + "/blobs"; }
  std::string tmp_dir() const { return dir_.path() + "/tmp"; }

  moss::testing::TempDir dir_;
  std::unique_ptr<ObjectStore> store_;
};

TEST_F(ObjectStoreTest, PutThenOpenReturnsTheBytesAndMd5ETag) {
  auto v = put("k", "hello world");
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(v->etag, "5eb63bbbe01eeed093cb22bb8f5acdc3");
  EXPECT_EQ(v->content_sha256,
            "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9");
  EXPECT_EQ(get("k"), "hello world");
  EXPECT_EQ(count_files(tmp_dir()), 0u);
}

TEST_F(ObjectStoreTest, IdenticalBodiesAreStoredOnce) {
  ASSERT_TRUE(put("a", "same bytes").ok());
  ASSERT_TRUE(put("b", "same bytes").ok());
  EXPECT_EQ(count_files(blobs_dir()), 1u);
  ASSERT_TRUE(store_->delete_object("b", "a").ok());
  EXPECT_EQ(count_files(blobs_dir()), 1u);
  EXPECT_EQ(get("b"), "same bytes");
  ASSERT_TRUE(store_->delete_object("b", "b").ok());
  EXPECT_EQ(count_files(blobs_dir()), 0u);
}

TEST_F(ObjectStoreTest, OverwriteRemovesTheReplacedBlobFile) {
  ASSERT_TRUE(put("k", "old").ok());
  ASSERT_TRUE(put("k", "new").ok());
  EXPECT_EQ(count_files(blobs_dir()), 1u);
  EXPECT_EQ(get("k"), "new");
}

TEST_F(ObjectStoreTest, FailedPreconditionLeavesNoBlobBehind) {
  WritePreconditions pre;
  pre.if_match = "no-such-etag";
  auto r = put("k", "body");
  ASSERT_TRUE(r.ok());
  auto refused = put("k", "other body", pre);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, StoreErrc::kPreconditionFailed);
  EXPECT_EQ(count_files(blobs_dir()), 1u);
  EXPECT_EQ(count_files(tmp_dir()), 0u);
  EXPECT_EQ(get("k"), "body");
}

TEST_F(ObjectStoreTest, AbandonedWriterRemovesItsTemporaryFile) {
  {
    auto writer = store_->begin_blob({});
    ASSERT_TRUE(writer.ok());
    const std::string data = "partial";
    ASSERT_TRUE((*writer)->write(std::span(reinterpret_cast<const uint8_t*>(data.data()),
                                           data.size()))
                    .ok());
    EXPECT_EQ(count_files(tmp_dir()), 1u);
  }
  EXPECT_EQ(count_files(tmp_dir()), 0u);
  EXPECT_EQ(get("partial"), "<missing>");
}

TEST_F(ObjectStoreTest, ReopeningSweepsTempFilesAndUnreferencedBlobs) {
  ASSERT_TRUE(put("k", "kept").ok());
  // What a crash can leave: a half-written temp file, and a linked blob whose
  // version was never committed.
  std::ofstream(tmp_dir() + "/crashed.part") << "half";
  std::string orphan(64, 'a');
  std::ofstream(blobs_dir() + "/aa/" + orphan) << "orphan";
  reopen();
  EXPECT_EQ(count_files(tmp_dir()), 0u);
  EXPECT_FALSE(fs::exists(blobs_dir() + "/aa/" + orphan));
  EXPECT_EQ(get("k"), "kept");
}

TEST_F(ObjectStoreTest, CopyReferencesTheSameBlobWithoutWritingBytes) {
  auto src = put("src", "copied bytes");
  ASSERT_TRUE(src.ok());
  NewVersion copy;
  copy.key = "dst";
  copy.segments = src->segments;
  copy.size = src->size;
  copy.etag = src->etag;
  ASSERT_TRUE(store_->put_existing_blobs("b", copy, {}).ok());
  EXPECT_EQ(count_files(blobs_dir()), 1u);
  ASSERT_TRUE(store_->delete_object("b", "src").ok());
  EXPECT_EQ(get("dst"), "copied bytes");
}

TEST_F(ObjectStoreTest, OpenedObjectStaysReadableAfterConcurrentDelete) {
  ASSERT_TRUE(put("k", "still here").ok());
  auto opened = store_->open_object("b", "k");
  ASSERT_TRUE(opened.ok());
  ASSERT_TRUE(store_->delete_object("b", "k").ok());
  EXPECT_EQ(count_files(blobs_dir()), 0u);
  EXPECT_EQ(read_fd(opened->segments[0].get()), "still here");
}

}  // namespace
}  // namespace moss::store
