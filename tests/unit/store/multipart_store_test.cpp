// Multipart uploads through ObjectStore on each metadata backend and local blobs: parts are
// reference-counted blobs, completion links them into a version, and every way
// an upload ends releases exactly the blobs nothing else uses.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "moss/store/object_store.h"
#include "moss/util/clock.h"
#include "unit/store/media_and_backends.h"
#include "unit/store/metadata_backends.h"
#include "unit/store/sealed_writes.h"
#include "unit/store/store_files.h"
#include "unit/store/temp_dir.h"

namespace moss::store {
namespace {

using moss::testing::read_fd;

namespace fs = std::filesystem;

// On tmpfs and on a disk (parts are blob files, written as objects are), with
// each metadata backend.
class MultipartStoreTest : public ::testing::TestWithParam<moss::testing::MediumAndBackend> {
 protected:
  void SetUp() override {
    reopen();
    ASSERT_TRUE(store_->create_bucket("b", "owner", 1).ok());
  }

  void reopen() {
    store_.reset();
    ASSERT_TRUE(metadata_.available());
    auto opened = ObjectStore::open(dir_.path(), metadata_.location());
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(*opened);
  }

  std::string create(const std::string& key, int64_t now_ns = 1000) {
    MultipartUpload u;
    u.key = key;
    u.owner = "owner";
    u.initiated_ns = now_ns;
    u.attributes.content_type = "application/x-model";
    auto created = store_->create_upload("b", u);
    EXPECT_TRUE(created.ok());
    return created.ok() ? created->upload_id : std::string();
  }

  StoreResult<UploadPart> upload_part(const std::string& key, const std::string& upload_id,
                                      int number, const std::string& body, int64_t now_ns = 2000) {
    auto sealed = moss::testing::seal_body(*store_, body);
    UploadPart part;
    part.part_number = number;
    part.sha256 = sealed->sha256_hex();
    part.size = sealed->size();
    part.etag = sealed->md5_hex();
    part.last_modified_ns = now_ns;
    auto r = store_->put_part("b", key, upload_id, part, *sealed);
    if (!r) return fail(r.error());
    return part;
  }

  std::vector<UploadPart> parts(const std::string& key, const std::string& upload_id) {
    auto page = store_->list_parts("b", key, upload_id, PartListQuery{0, 10000});
    EXPECT_TRUE(page.ok());
    return page.ok() ? page->parts : std::vector<UploadPart>();
  }

  StoreResult<ObjectVersion> complete(const std::string& key, const std::string& upload_id,
                                      const std::vector<UploadPart>& chosen) {
    NewVersion v;
    v.key = key;
    for (const auto& p : chosen) {
      v.segments.push_back(BlobSegment{p.sha256, p.size, p.part_number, p.etag});
      v.size += p.size;
    }
    v.etag = "composed-" + std::to_string(chosen.size());
    v.owner = "owner";
    return store_->complete_upload("b", upload_id, v, {});
  }

  std::string get(const std::string& key, const std::string& version_id = {}) {
    auto opened = store_->open_object("b", key, version_id);
    if (!opened.ok()) return "<missing>";
    std::string out;
    for (auto& fd : opened->segments) out += read_fd(fd.get());
    return out;
  }

  std::string blobs_dir() const { return dir_.path() + "/blobs"; }

  moss::testing::TempDir dir_{moss::testing::temp_base(std::get<0>(GetParam()))};
  // Released blob files, gone (count_blob_files).
  size_t blob_files() { return moss::testing::count_blob_files(*store_, dir_.path()); }

  moss::testing::TestMetadataLocation metadata_{std::get<1>(GetParam())};
  std::unique_ptr<ObjectStore> store_;
};

MOSS_INSTANTIATE_ON_EACH_MEDIUM_AND_BACKEND(MultipartStoreTest);

TEST_P(MultipartStoreTest, CompleteLinksPartsInOrderAsSegments) {
  auto id = create("model.gguf");
  ASSERT_TRUE(upload_part("model.gguf", id, 2, "world").ok());
  ASSERT_TRUE(upload_part("model.gguf", id, 1, "hello ").ok());
  auto v = complete("model.gguf", id, parts("model.gguf", id));
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(v->size, 11u);
  ASSERT_EQ(v->segments.size(), 2u);
  EXPECT_EQ(v->segments[0].part_number, 1);
  EXPECT_EQ(get("model.gguf"), "hello world");
  // The parts' blobs became the object's: nothing copied, nothing left over.
  EXPECT_EQ(blob_files(), 2u);
  auto gone = store_->get_upload("b", "model.gguf", id);
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().code, StoreErrc::kNoSuchUpload);
}

TEST_P(MultipartStoreTest, CompleteReleasesPartsItDoesNotUse) {
  auto id = create("k");
  ASSERT_TRUE(upload_part("k", id, 1, "one").ok());
  ASSERT_TRUE(upload_part("k", id, 2, "two").ok());
  ASSERT_TRUE(upload_part("k", id, 3, "three").ok());
  auto all = parts("k", id);
  ASSERT_TRUE(complete("k", id, {all[0], all[2]}).ok());
  EXPECT_EQ(get("k"), "onethree");
  EXPECT_EQ(blob_files(), 2u);
}

TEST_P(MultipartStoreTest, ReuploadingAPartReplacesItAndReleasesTheOldBlob) {
  auto id = create("k");
  ASSERT_TRUE(upload_part("k", id, 1, "first try").ok());
  ASSERT_TRUE(upload_part("k", id, 1, "second try").ok());
  auto all = parts("k", id);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].size, 10u);
  EXPECT_EQ(blob_files(), 1u);
  // Identical bytes again: the blob must survive its own replacement.
  ASSERT_TRUE(upload_part("k", id, 1, "second try").ok());
  EXPECT_EQ(blob_files(), 1u);
  ASSERT_TRUE(complete("k", id, parts("k", id)).ok());
  EXPECT_EQ(get("k"), "second try");
}

TEST_P(MultipartStoreTest, PartsSurviveARestart) {
  auto id = create("k");
  ASSERT_TRUE(upload_part("k", id, 1, "durable part").ok());
  reopen();                     // runs the startup sweep of unreferenced blobs
  EXPECT_EQ(blob_files(), 1u);  // and, shared, the collection: both see the part
  auto all = parts("k", id);
  ASSERT_EQ(all.size(), 1u);
  ASSERT_TRUE(complete("k", id, all).ok());
  EXPECT_EQ(get("k"), "durable part");
}

TEST_P(MultipartStoreTest, AbortReleasesEveryPart) {
  auto id = create("k");
  ASSERT_TRUE(upload_part("k", id, 1, "a").ok());
  ASSERT_TRUE(upload_part("k", id, 2, "b").ok());
  ASSERT_TRUE(store_->abort_upload("b", "k", id).ok());
  EXPECT_EQ(blob_files(), 0u);
  EXPECT_EQ(get("k"), "<missing>");
  auto again = store_->abort_upload("b", "k", id);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, StoreErrc::kNoSuchUpload);
}

TEST_P(MultipartStoreTest, PartShareableWithAnObjectKeepsItsBlobOnAbort) {
  const std::string body = "shared bytes";
  auto sealed = moss::testing::seal_body(*store_, body);
  ASSERT_TRUE(sealed);
  ASSERT_TRUE(
      store_->put_object("b", moss::testing::version_of("object", *sealed), *sealed, {}).ok());
  auto id = create("k");
  ASSERT_TRUE(upload_part("k", id, 1, body).ok());
  ASSERT_TRUE(store_->abort_upload("b", "k", id).ok());
  EXPECT_EQ(get("object"), body);
}

TEST_P(MultipartStoreTest, UploadIdOfAnotherKeyIsNoSuchUpload) {
  auto id = create("k");
  auto r = upload_part("other", id, 1, "x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, StoreErrc::kNoSuchUpload);
  EXPECT_EQ(blob_files(), 0u);  // the linked blob went away again
}

TEST_P(MultipartStoreTest, CompleteWithAPartReplacedMeanwhileIsInvalidPart) {
  auto id = create("k");
  ASSERT_TRUE(upload_part("k", id, 1, "old").ok());
  auto seen = parts("k", id);
  ASSERT_TRUE(upload_part("k", id, 1, "new").ok());
  auto r = complete("k", id, seen);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, StoreErrc::kInvalidPart);
  EXPECT_TRUE(store_->get_upload("b", "k", id).ok());
}

TEST_P(MultipartStoreTest, CompleteRespectsBucketVersioning) {
  ASSERT_TRUE(store_->set_versioning("b", VersioningState::kEnabled).ok());
  auto first = create("k");
  ASSERT_TRUE(upload_part("k", first, 1, "v1").ok());
  auto v1 = complete("k", first, parts("k", first));
  ASSERT_TRUE(v1.ok());
  auto second = create("k");
  ASSERT_TRUE(upload_part("k", second, 1, "v2").ok());
  auto v2 = complete("k", second, parts("k", second));
  ASSERT_TRUE(v2.ok());
  EXPECT_NE(v1->version_id, "null");
  EXPECT_NE(v1->version_id, v2->version_id);
  EXPECT_EQ(get("k"), "v2");
  EXPECT_EQ(get("k", v1->version_id), "v1");
}

TEST_P(MultipartStoreTest, CompleteOverAnUnversionedObjectReplacesIt) {
  auto first = create("k");
  ASSERT_TRUE(upload_part("k", first, 1, "v1").ok());
  ASSERT_TRUE(complete("k", first, parts("k", first)).ok());
  auto second = create("k");
  ASSERT_TRUE(upload_part("k", second, 1, "v2").ok());
  auto v2 = complete("k", second, parts("k", second));
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ(v2->version_id, "null");
  EXPECT_EQ(get("k"), "v2");
  EXPECT_EQ(blob_files(), 1u);
}

TEST_P(MultipartStoreTest, ListPartsPaginates) {
  auto id = create("k");
  for (int n = 1; n <= 5; ++n) ASSERT_TRUE(upload_part("k", id, n, "p" + std::to_string(n)).ok());
  auto page = store_->list_parts("b", "k", id, PartListQuery{0, 2});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->parts.size(), 2u);
  EXPECT_TRUE(page->truncated);
  EXPECT_EQ(page->next_marker, 2);
  page = store_->list_parts("b", "k", id, PartListQuery{4, 2});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->parts.size(), 1u);
  EXPECT_EQ(page->parts[0].part_number, 5);
  EXPECT_FALSE(page->truncated);
  EXPECT_EQ(page->upload.attributes.content_type, "application/x-model");
}

TEST_P(MultipartStoreTest, ListUploadsOrdersByKeyThenInitiationAndResumesAfterMarkers) {
  auto a1 = create("a", 100);
  auto a2 = create("a", 200);
  auto b1 = create("b", 50);
  auto c1 = create("c", 10);
  UploadListQuery q;
  q.max_uploads = 2;
  auto page = store_->list_uploads("b", q);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->uploads.size(), 2u);
  EXPECT_EQ(page->uploads[0].upload_id, a1);
  EXPECT_EQ(page->uploads[1].upload_id, a2);
  EXPECT_TRUE(page->truncated);
  q.key_marker = page->next_key_marker;
  q.upload_id_marker = page->next_upload_id_marker;
  page = store_->list_uploads("b", q);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->uploads.size(), 2u);
  EXPECT_EQ(page->uploads[0].upload_id, b1);
  EXPECT_EQ(page->uploads[1].upload_id, c1);
  EXPECT_FALSE(page->truncated);
  // A key marker alone skips every upload of that key.
  UploadListQuery after_a;
  after_a.key_marker = "a";
  page = store_->list_uploads("b", after_a);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->uploads.size(), 2u);
  EXPECT_EQ(page->uploads[0].key, "b");
  // An upload id marker within a key resumes inside it.
  UploadListQuery within_a;
  within_a.key_marker = "a";
  within_a.upload_id_marker = a1;
  page = store_->list_uploads("b", within_a);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->uploads.size(), 3u);
  EXPECT_EQ(page->uploads[0].upload_id, a2);
}

TEST_P(MultipartStoreTest, ListUploadsGroupsCommonPrefixes) {
  create("models/llama/a.gguf");
  create("models/llama/b.gguf");
  create("models/mistral/c.gguf");
  create("models/top.bin");
  create("other");
  UploadListQuery q;
  q.prefix = "models/";
  q.delimiter = "/";
  auto page = store_->list_uploads("b", q);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->common_prefixes.size(), 2u);
  EXPECT_EQ(page->common_prefixes[0], "models/llama/");
  EXPECT_EQ(page->common_prefixes[1], "models/mistral/");
  ASSERT_EQ(page->uploads.size(), 1u);
  EXPECT_EQ(page->uploads[0].key, "models/top.bin");
  q.max_uploads = 1;
  page = store_->list_uploads("b", q);
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->truncated);
  ASSERT_EQ(page->common_prefixes.size(), 1u);
  q.key_marker = page->next_key_marker;
  page = store_->list_uploads("b", q);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->common_prefixes.size(), 1u);
  EXPECT_EQ(page->common_prefixes[0], "models/mistral/");
}

TEST_P(MultipartStoreTest, IdleUploadsAreAbortedWithTheirParts) {
  auto idle = create("idle", 100);
  ASSERT_TRUE(upload_part("idle", idle, 1, "stale", 200).ok());
  auto active = create("active", 100);
  ASSERT_TRUE(upload_part("active", active, 1, "fresh", 5000).ok());
  auto aborted = store_->abort_idle_uploads(1000);
  ASSERT_TRUE(aborted.ok());
  EXPECT_EQ(*aborted, 1u);
  EXPECT_FALSE(store_->get_upload("b", "idle", idle).ok());
  EXPECT_TRUE(store_->get_upload("b", "active", active).ok());
  EXPECT_EQ(blob_files(), 1u);
}

TEST_P(MultipartStoreTest, DeletingABucketDiscardsItsUploadsAndTheirParts) {
  auto first = create("k");
  auto second = create("other");
  ASSERT_TRUE(upload_part("k", first, 1, "part one").ok());
  ASSERT_TRUE(upload_part("k", first, 2, "part two").ok());
  ASSERT_TRUE(upload_part("other", second, 1, "part three").ok());
  ASSERT_EQ(blob_files(), 3u);

  ASSERT_TRUE(store_->delete_bucket("b").ok());
  EXPECT_EQ(blob_files(), 0u);
  auto gone = store_->get_upload("b", "k", first);
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().code, StoreErrc::kNoSuchBucket);

  // A bucket of the same name starts with no uploads.
  ASSERT_TRUE(store_->create_bucket("b", "owner", 2).ok());
  auto listed = store_->list_uploads("b", UploadListQuery{});
  ASSERT_TRUE(listed.ok());
  EXPECT_TRUE(listed->uploads.empty());
  EXPECT_FALSE(store_->get_upload("b", "k", first).ok());
}

TEST_P(MultipartStoreTest, ABucketWithObjectsKeepsItsUploads) {
  auto id = create("k");
  ASSERT_TRUE(upload_part("k", id, 1, "part").ok());
  auto done = create("done");
  auto part = upload_part("done", done, 1, "object bytes");
  ASSERT_TRUE(part.ok());
  ASSERT_TRUE(complete("done", done, {*part}).ok());

  auto r = store_->delete_bucket("b");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, StoreErrc::kBucketNotEmpty);
  EXPECT_TRUE(store_->get_upload("b", "k", id).ok());
  EXPECT_EQ(parts("k", id).size(), 1u);
}

}  // namespace
}  // namespace moss::store

namespace moss::store {
namespace {

class CompletedUploadTest : public MultipartStoreTest {
 protected:
  StoreResult<ObjectVersion> complete_now(const std::string& key, const std::string& upload_id) {
    NewVersion v;
    v.key = key;
    for (const auto& p : parts(key, upload_id)) {
      v.segments.push_back(BlobSegment{p.sha256, p.size, p.part_number, p.etag});
      v.size += p.size;
    }
    v.etag = "composed";
    v.owner = "owner";
    v.last_modified_ns = now_unix_nanos();
    return store_->complete_upload("b", upload_id, v, {});
  }
};

MOSS_INSTANTIATE_ON_EACH_MEDIUM_AND_BACKEND(CompletedUploadTest);

TEST_P(CompletedUploadTest, ACompletedUploadIsFoundWhileItsVersionIsTheLatest) {
  auto id = create("k");
  ASSERT_TRUE(upload_part("k", id, 1, "one").ok());
  auto done = complete_now("k", id);
  ASSERT_TRUE(done.ok()) << done.error().message;
  auto again = store_->find_completed_upload("b", "k", id);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->version_id, done->version_id);
  EXPECT_EQ(again->etag, "composed");
  ASSERT_EQ(again->segments.size(), 1u);
  EXPECT_EQ(again->segments[0].part_number, 1);
  // Named with another key, it is no upload of that key.
  EXPECT_EQ(store_->find_completed_upload("b", "other", id).error().code, StoreErrc::kNoSuchUpload);
}

TEST_P(CompletedUploadTest, AnOverwriteOrADeleteForgetsIt) {
  auto id = create("k");
  ASSERT_TRUE(upload_part("k", id, 1, "one").ok());
  ASSERT_TRUE(complete_now("k", id).ok());
  auto second = create("k");
  ASSERT_TRUE(upload_part("k", second, 1, "two").ok());
  ASSERT_TRUE(complete_now("k", second).ok());
  EXPECT_EQ(store_->find_completed_upload("b", "k", id).error().code, StoreErrc::kNoSuchUpload);
  EXPECT_TRUE(store_->find_completed_upload("b", "k", second).ok());
  ASSERT_TRUE(store_->delete_object("b", "k").ok());
  EXPECT_EQ(store_->find_completed_upload("b", "k", second).error().code, StoreErrc::kNoSuchUpload);
}

TEST_P(CompletedUploadTest, AnUploadNeverCompletedIsNotFound) {
  auto id = create("k");
  EXPECT_EQ(store_->find_completed_upload("b", "k", id).error().code, StoreErrc::kNoSuchUpload);
  EXPECT_EQ(store_->find_completed_upload("b", "k", "nope").error().code, StoreErrc::kNoSuchUpload);
}

}  // namespace
}  // namespace moss::store
