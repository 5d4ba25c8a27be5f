// Blob garbage collection of a data directory two replicas share (PostgreSQL
// metadata, docs/replicas.md): two ObjectStores over one directory and one
// database, as two moss processes would be. The collection of one replica is
// run at the exact moment another is between linking a blob (or finding it
// stored) and committing its reference to it: the blob must survive. On
// tmpfs and on a disk (temp_dir.h). PostgreSQL only: an SQLite store is never
// shared, and frees a released blob at once. And, on both metadata backends,
// the grace period: an unreferenced blob younger than it stays, one older goes.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>

#include "moss/store/object_store.h"
#include "unit/store/metadata_backends.h"
#include "unit/store/sealed_writes.h"
#include "unit/store/store_files.h"
#include "unit/store/temp_dir.h"

namespace moss::store {
namespace {

using moss::testing::count_files;
using moss::testing::read_fd;
using moss::testing::version_of;
using namespace std::chrono_literals;

class SharedBlobCollectionTest : public ::testing::TestWithParam<moss::testing::Medium> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(metadata_.available());
    for (auto* replica : {&a_, &b_}) {
      auto opened = ObjectStore::open(dir_.path(), metadata_.location());
      ASSERT_TRUE(opened.ok()) << opened.error().message;
      *replica = std::move(*opened);
    }
    ASSERT_TRUE(a_->create_bucket("b", "owner", 1).ok());
  }

  static StoreResult<ObjectVersion> put(ObjectStore& store, const std::string& key,
                                        const std::string& body) {
    auto sealed = moss::testing::seal_body(store, body);
    return store.put_object("b", version_of(key, *sealed), *sealed, {});
  }

  static std::string get(ObjectStore& store, const std::string& key) {
    auto opened = store.open_object("b", key);
    if (!opened.ok()) return "<" + opened.error().message + ">";
    std::string out;
    for (auto& fd : opened->segments) out += read_fd(fd.get());
    return out;
  }

  // Makes `body` a released blob: stored once, its only reference gone, its
  // file still there (a shared directory keeps it for the collection).
  void release(const std::string& body) {
    ASSERT_TRUE(put(*a_, "released", body).ok());
    ASSERT_TRUE(a_->delete_object("b", "released").ok());
    ASSERT_EQ(count_files(blobs_dir()), 1u);
  }

  // Replica b's collection with no grace period: only what the writers hold
  // and what is referenced keeps a blob.
  void collect_on_b() {
    auto collected = b_->collect_garbage(0s);
    EXPECT_TRUE(collected.ok()) << collected.error().message;
  }

  std::string blobs_dir() const { return dir_.path() + "/blobs"; }

  moss::testing::TestMetadataLocation metadata_{moss::testing::MetadataBackend::kPostgres};
  moss::testing::TempDir dir_{moss::testing::temp_base(GetParam())};
  std::unique_ptr<ObjectStore> a_;
  std::unique_ptr<ObjectStore> b_;
};

INSTANTIATE_TEST_SUITE_P(OnMemoryAndDisk, SharedBlobCollectionTest,
                         ::testing::Values(moss::testing::Medium::kMemory,
                                           moss::testing::Medium::kDisk),
                         [](const auto& info) { return moss::testing::medium_name(info.param); });

TEST_P(SharedBlobCollectionTest, AReleasedBlobIsCollectedAndAReferencedOneKept) {
  release("old bytes");
  ASSERT_TRUE(put(*a_, "kept", "kept bytes").ok());
  collect_on_b();
  EXPECT_EQ(count_files(blobs_dir()), 1u);
  EXPECT_EQ(get(*b_, "kept"), "kept bytes");
}

TEST_P(SharedBlobCollectionTest, CollectionBetweenAWritersLinkAndCommitKeepsTheBlob) {
  release("same bytes");
  a_->set_before_commit_hook_for_testing([&] { collect_on_b(); });
  ASSERT_TRUE(put(*a_, "k", "same bytes").ok());
  EXPECT_EQ(get(*b_, "k"), "same bytes");
}

TEST_P(SharedBlobCollectionTest, CollectionBetweenAPartsLinkAndCommitKeepsTheBlob) {
  release("part bytes");
  MultipartUpload u;
  u.key = "mp";
  u.owner = "owner";
  auto upload = a_->create_upload("b", u);
  ASSERT_TRUE(upload.ok());
  auto sealed = moss::testing::seal_body(*a_, "part bytes");
  UploadPart part;
  part.part_number = 1;
  part.sha256 = sealed->sha256_hex();
  part.size = sealed->size();
  part.etag = sealed->md5_hex();
  a_->set_before_commit_hook_for_testing([&] { collect_on_b(); });
  ASSERT_TRUE(a_->put_part("b", "mp", upload->upload_id, part, *sealed).ok());
  a_->set_before_commit_hook_for_testing({});
  NewVersion v;
  v.key = "mp";
  v.segments = {BlobSegment{part.sha256, part.size, 1, part.etag}};
  v.size = part.size;
  v.etag = "composed";
  ASSERT_TRUE(a_->complete_upload("b", upload->upload_id, v, {}).ok());
  EXPECT_EQ(get(*b_, "mp"), "part bytes");
}

// A copy found its source's blob referenced; before its commit, the source
// is deleted through another replica and that replica collects. The copy
// must then fail (the source is gone) rather than reference a removed file.
TEST_P(SharedBlobCollectionTest, ACopyWhoseSourceIsDeletedAndCollectedBeforeItsCommitFails) {
  auto source = put(*a_, "src", "copied bytes");
  ASSERT_TRUE(source.ok());
  NewVersion copy;
  copy.key = "dst";
  copy.segments = source->segments;
  copy.size = source->size;
  copy.etag = source->etag;
  a_->set_before_commit_hook_for_testing([&] {
    ASSERT_TRUE(b_->delete_object("b", "src").ok());
    collect_on_b();
  });
  auto copied = a_->put_existing_blobs("b", copy, {});
  if (copied.ok()) {
    EXPECT_EQ(get(*b_, "dst"), "copied bytes") << "the copy references a removed blob";
  } else {
    EXPECT_EQ(copied.error().code, StoreErrc::kNoSuchKey);
    EXPECT_EQ(get(*b_, "dst").front(), '<');
  }
}

TEST_P(SharedBlobCollectionTest, APartCopyWhoseSourceIsDeletedAndCollectedBeforeItsCommitFails) {
  auto source = put(*a_, "src", "part source");
  ASSERT_TRUE(source.ok());
  MultipartUpload u;
  u.key = "mp";
  u.owner = "owner";
  auto upload = a_->create_upload("b", u);
  ASSERT_TRUE(upload.ok());
  UploadPart part;
  part.part_number = 1;
  part.sha256 = source->segments[0].sha256;
  part.size = source->size;
  part.etag = source->etag;
  a_->set_before_commit_hook_for_testing([&] {
    ASSERT_TRUE(b_->delete_object("b", "src").ok());
    collect_on_b();
  });
  auto copied = a_->put_existing_part("b", "mp", upload->upload_id, part);
  a_->set_before_commit_hook_for_testing({});
  if (!copied.ok()) {
    EXPECT_EQ(copied.error().code, StoreErrc::kNoSuchKey);
    return;
  }
  auto fds = a_->open_segments({BlobSegment{part.sha256, part.size}});
  EXPECT_TRUE(fds.ok()) << "the part references a removed blob";
}

// A writer that linked a blob and died before its commit leaves a file no row
// references: once its hold is gone, the next collection takes it.
TEST_P(SharedBlobCollectionTest, AnOrphanOfAWriterThatNeverCommittedIsCollected) {
  {
    auto sealed = moss::testing::seal_body(*a_, "orphan bytes");
    WritePreconditions impossible;
    impossible.if_match = "no-such-etag";
    auto refused = a_->put_object("b", version_of("k", *sealed), *sealed, impossible);
    ASSERT_FALSE(refused.ok());
  }
  collect_on_b();
  EXPECT_EQ(count_files(blobs_dir()), 0u);
}

// collect_garbage's grace period, on each metadata backend: a blob file that
// no row references is left alone until it was linked `grace` ago, since a
// writer on another replica may have just linked it and be about to commit.
class BlobCollectionGraceTest : public ::testing::TestWithParam<moss::testing::MetadataBackend> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(metadata_.available());
    auto opened = ObjectStore::open(dir_.path(), metadata_.location());
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(*opened);
    ASSERT_TRUE(store_->create_bucket("b", "owner", 1).ok());
  }

  // A new version of `key` holding `body`, sealed and ready to commit.
  struct PendingWrite {
    std::unique_ptr<SealedBlob> blob;
    NewVersion version;
  };
  PendingWrite prepare(const std::string& key, const std::string& body) {
    auto blob = moss::testing::seal_body(*store_, body);
    auto version = version_of(key, *blob);
    return {std::move(blob), std::move(version)};
  }

  // Stores `body` under `key`; returns its blob's SHA-256.
  std::string commit(const std::string& key, const std::string& body) {
    auto w = prepare(key, body);
    EXPECT_TRUE(store_->put_object("b", w.version, *w.blob, {}).ok());
    return w.blob->sha256_hex();
  }

  // A blob file as a writer leaves it when it dies after linking the blob and
  // before committing the version that references it: the hook between the
  // two throws. Returns the blob's SHA-256.
  std::string link_without_commit(const std::string& body) {
    auto w = prepare("k", body);
    store_->set_before_commit_hook_for_testing(
        [] { throw std::runtime_error("the writer died before its commit"); });
    EXPECT_THROW((void)store_->put_object("b", w.version, *w.blob, {}), std::runtime_error);
    store_->set_before_commit_hook_for_testing({});
    return w.blob->sha256_hex();
  }

  std::string blob_path(const std::string& sha) const {
    return dir_.path() + "/blobs/" + sha.substr(0, 2) + "/" + sha;
  }

  bool blob_exists(const std::string& sha) const {
    struct stat st {};
    return ::stat(blob_path(sha).c_str(), &st) == 0;
  }

  size_t collect(std::chrono::seconds grace) {
    auto removed = store_->collect_garbage(grace);
    EXPECT_TRUE(removed.ok()) << removed.error().message;
    return removed.ok() ? *removed : 0;
  }

  moss::testing::TestMetadataLocation metadata_{GetParam()};
  moss::testing::TempDir dir_;
  std::unique_ptr<ObjectStore> store_;
};

TEST_P(BlobCollectionGraceTest, AJustLinkedUnreferencedBlobOutlivesTheGraceAndGoesWithoutOne) {
  const std::string sha = link_without_commit("just linked");
  ASSERT_TRUE(blob_exists(sha));
  EXPECT_EQ(collect(1h), 0u);
  EXPECT_TRUE(blob_exists(sha)) << "removed within the grace period";
  EXPECT_EQ(collect(0s), 1u);
  EXPECT_FALSE(blob_exists(sha));
}

// And the grace measures from the link: older than it, an unreferenced blob
// goes, while a referenced one as old stays.
TEST_P(BlobCollectionGraceTest, AnUnreferencedBlobLinkedLongerAgoThanTheGraceGoes) {
  const std::string orphan = link_without_commit("linked two hours ago");
  const std::string referenced = commit("kept", "referenced two hours ago");
  const auto two_hours_ago =
      std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() - 2h);
  const timespec link_time[2] = {{two_hours_ago, 0}, {two_hours_ago, 0}};  // atime, mtime
  for (const auto& sha : {orphan, referenced}) {
    ASSERT_EQ(::utimensat(AT_FDCWD, blob_path(sha).c_str(), link_time, 0), 0);
  }
  EXPECT_EQ(collect(1h), 1u);
  EXPECT_FALSE(blob_exists(orphan));
  EXPECT_TRUE(blob_exists(referenced));
}

MOSS_INSTANTIATE_FOR_EACH_METADATA_BACKEND(BlobCollectionGraceTest);

}  // namespace
}  // namespace moss::store
