#include "moss/store/object_store.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <ostream>
#include <tuple>
#include <vector>

#include "moss/store/local_blob_store.h"
#include "moss/util/unique_fd.h"
#include "unit/store/media_and_backends.h"
#include "unit/store/metadata_backends.h"
#include "unit/store/sealed_writes.h"
#include "unit/store/store_files.h"
#include "unit/store/temp_dir.h"

namespace moss::store {
namespace {

using moss::testing::count_files;
using moss::testing::read_fd;

namespace fs = std::filesystem;

// Each test runs on a tmpfs directory and on a disk-backed one
// (temp_dir.h): the blob files' write path differs between them; and with
// each metadata backend (metadata_backends.h). With PostgreSQL the data
// directory is shared with other replicas: a released blob stays until a
// garbage collection removes it, which blob_files() runs first.
using moss::testing::Medium;
using moss::testing::MetadataBackend;

class ObjectStoreTest : public ::testing::TestWithParam<moss::testing::MediumAndBackend> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(metadata_.available());
    reopen();
  }

  Medium medium() const { return std::get<0>(GetParam()); }
  bool shared() const { return std::get<1>(GetParam()) == MetadataBackend::kPostgres; }

  void reopen() {
    store_.reset();
    auto opened = ObjectStore::open(dir_.path(), metadata_.location());
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(*opened);
    ASSERT_EQ(store_->shared(), shared());
    auto b = store_->create_bucket("b", "owner", 1);
    ASSERT_TRUE(b.ok() || b.error().code == StoreErrc::kBucketAlreadyOwnedByYou);
  }

  StoreResult<ObjectVersion> put(const std::string& key, const std::string& body,
                                 const WritePreconditions& pre = {}) {
    auto sealed = moss::testing::seal_body(*store_, body);
    NewVersion v = moss::testing::version_of(key, *sealed);
    v.content_sha256 = sealed->sha256_hex();
    return store_->put_object("b", v, *sealed, pre);
  }

  std::string get(const std::string& key) {
    auto opened = store_->open_object("b", key);
    if (!opened.ok()) return "<missing>";
    std::string out;
    for (auto& fd : opened->segments) out += read_fd(fd.get());
    return out;
  }

  // The blob files once released blobs are gone: at once on a store of its
  // own, after a collection (no grace) on a shared one.
  size_t blob_files() {
    if (shared()) {
      auto collected = store_->collect_garbage(std::chrono::seconds(0));
      EXPECT_TRUE(collected.ok()) << collected.error().message;
    }
    return count_files(blobs_dir());
  }

  std::string blobs_dir() const { return dir_.path() + "/blobs"; }
  std::string tmp_dir() const { return dir_.path() + "/tmp"; }

  moss::testing::TempDir dir_{moss::testing::temp_base(medium())};
  moss::testing::TestMetadataLocation metadata_{std::get<1>(GetParam())};
  std::unique_ptr<ObjectStore> store_;
};

MOSS_INSTANTIATE_ON_EACH_MEDIUM_AND_BACKEND(ObjectStoreTest);

TEST_P(ObjectStoreTest, PutThenOpenReturnsTheBytesAndMd5ETag) {
  auto v = put("k", "hello world");
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(v->etag, "5eb63bbbe01eeed093cb22bb8f5acdc3");
  EXPECT_EQ(v->content_sha256, "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9");
  EXPECT_EQ(get("k"), "hello world");
  EXPECT_EQ(count_files(tmp_dir()), 0u);
}

TEST_P(ObjectStoreTest, ASmallBodyIsReadOnceThenServedFromMemory) {
  ASSERT_TRUE(put("k", "small body").ok());
  auto opened = store_->open_object("b", "k");
  ASSERT_TRUE(opened.ok());
  auto first = store_->small_body(opened->version, opened->segments[0].get());
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(*first, "small body");
  // No descriptor at all the second time: the bytes can only come from memory.
  auto second = store_->small_body(opened->version, -1);
  EXPECT_EQ(second, first);
  // The same bytes under another key are the same blob, and the same entry.
  ASSERT_TRUE(put("k2", "small body").ok());
  auto other = store_->open_object("b", "k2");
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(store_->small_body(other->version, -1), first);
  // An overwrite is a new blob, read from its own file.
  ASSERT_TRUE(put("k", "new small body").ok());
  auto replaced = store_->open_object("b", "k");
  ASSERT_TRUE(replaced.ok());
  EXPECT_EQ(store_->small_body(replaced->version, -1), nullptr);
  auto fresh = store_->small_body(replaced->version, replaced->segments[0].get());
  ASSERT_NE(fresh, nullptr);
  EXPECT_EQ(*fresh, "new small body");
}

TEST_P(ObjectStoreTest, ABodyOver64KiBOrAnEmptyCacheIsLeftToTheFile) {
  const std::string limit(64 * 1024, 'x');
  ASSERT_TRUE(put("limit", limit).ok());
  ASSERT_TRUE(put("over", limit + "y").ok());
  auto at_limit = store_->open_object("b", "limit");
  auto over = store_->open_object("b", "over");
  ASSERT_TRUE(at_limit.ok() && over.ok());
  auto kept = store_->small_body(at_limit->version, at_limit->segments[0].get());
  ASSERT_NE(kept, nullptr);
  EXPECT_EQ(*kept, limit);
  EXPECT_EQ(store_->small_body(over->version, over->segments[0].get()), nullptr);

  store_->set_small_body_cache_bytes(0);
  EXPECT_EQ(store_->small_body(at_limit->version, at_limit->segments[0].get()), nullptr);
}

TEST_P(ObjectStoreTest, AShortReadIsNotKept) {
  ASSERT_TRUE(put("k", "ten bytes!").ok());
  auto opened = store_->open_object("b", "k");
  ASSERT_TRUE(opened.ok());
  // A descriptor of a file shorter than the object: the read comes up short.
  const std::string short_file = dir_.path() + "/short";
  std::ofstream(short_file) << "ten";
  UniqueFd fd(::open(short_file.c_str(), O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(fd.valid());
  EXPECT_EQ(store_->small_body(opened->version, fd.get()), nullptr);
  EXPECT_EQ(store_->small_body(opened->version, -1), nullptr);  // and nothing was kept
}

TEST_P(ObjectStoreTest, IdenticalBodiesAreStoredOnce) {
  ASSERT_TRUE(put("a", "same bytes").ok());
  ASSERT_TRUE(put("b", "same bytes").ok());
  EXPECT_EQ(blob_files(), 1u);
  ASSERT_TRUE(store_->delete_object("b", "a").ok());
  EXPECT_EQ(blob_files(), 1u);
  EXPECT_EQ(get("b"), "same bytes");
  ASSERT_TRUE(store_->delete_object("b", "b").ok());
  EXPECT_EQ(blob_files(), 0u);
}

TEST_P(ObjectStoreTest, OverwriteRemovesTheReplacedBlobFile) {
  ASSERT_TRUE(put("k", "old").ok());
  ASSERT_TRUE(put("k", "new").ok());
  EXPECT_EQ(blob_files(), 1u);
  EXPECT_EQ(get("k"), "new");
}

TEST_P(ObjectStoreTest, FailedPreconditionLeavesNoBlobBehind) {
  WritePreconditions pre;
  pre.if_match = "no-such-etag";
  auto r = put("k", "body");
  ASSERT_TRUE(r.ok());
  auto refused = put("k", "other body", pre);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, StoreErrc::kPreconditionFailed);
  EXPECT_EQ(blob_files(), 1u);
  EXPECT_EQ(count_files(tmp_dir()), 0u);
  EXPECT_EQ(get("k"), "body");
}

// The upload path runs a writer's lanes (MD5; SHA-256 and the extra digests;
// the file) at their own pace. Given every chunk lane after lane, a writer
// must seal the same blob as one given the chunks through write(): aligned
// 1 MiB chunks (direct I/O on a disk) and an unaligned tail.
TEST_P(ObjectStoreTest, LanesRunOneAfterAnotherSealTheSameBlobAsWrite) {
  constexpr size_t kChunk = 1 << 20;
  const std::vector<size_t> sizes = {kChunk, kChunk, kChunk, 1000};
  std::unique_ptr<uint8_t, decltype(&std::free)> bytes(
      static_cast<uint8_t*>(std::aligned_alloc(BlobWriter::kPreferredAlignment, 4 * kChunk)),
      &std::free);
  ASSERT_NE(bytes, nullptr);
  for (size_t i = 0; i < 4 * kChunk; ++i) bytes.get()[i] = static_cast<uint8_t>(i * 7 + i / 4096);

  auto through_write = store_->begin_blob({DigestAlgorithm::kCrc32c});
  auto through_lanes = store_->begin_blob({DigestAlgorithm::kCrc32c});
  ASSERT_TRUE(through_write.ok() && through_lanes.ok());
  ASSERT_EQ((*through_lanes)->lane_count(), 3u);
  size_t offset = 0;
  for (size_t size : sizes) {
    ASSERT_TRUE((*through_write)->write({bytes.get() + offset, size}).ok());
    offset += size;
  }
  for (size_t lane = (*through_lanes)->lane_count(); lane-- > 0;) {
    offset = 0;
    for (size_t size : sizes) {
      ASSERT_TRUE((*through_lanes)->write_lane(lane, {bytes.get() + offset, size}).ok());
      offset += size;
    }
  }
  EXPECT_EQ((*through_lanes)->bytes_written(), offset);
  auto a = (*through_write)->seal();
  auto b = (*through_lanes)->seal();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ((*b)->size(), offset);
  EXPECT_EQ((*b)->sha256_hex(), (*a)->sha256_hex());
  EXPECT_EQ((*b)->md5_hex(), (*a)->md5_hex());
  EXPECT_EQ((*b)->digests(), (*a)->digests());
  auto fd = (*b)->open_read();
  ASSERT_TRUE(fd.ok());
  EXPECT_EQ(read_fd(fd->get()), std::string(reinterpret_cast<const char*>(bytes.get()), offset));
}

TEST_P(ObjectStoreTest, AnUnknownLaneIsAnError) {
  auto writer = store_->begin_blob({});
  ASSERT_TRUE(writer.ok());
  const uint8_t byte = 1;
  EXPECT_FALSE((*writer)->write_lane((*writer)->lane_count(), {&byte, 1}).ok());
}

TEST_P(ObjectStoreTest, AbandonedWriterRemovesItsTemporaryFile) {
  {
    auto writer = store_->begin_blob({});
    ASSERT_TRUE(writer.ok());
    const std::string data = "partial";
    ASSERT_TRUE((*writer)
                    ->write(std::span(reinterpret_cast<const uint8_t*>(data.data()), data.size()))
                    .ok());
    EXPECT_EQ(count_files(tmp_dir()), 1u);
  }
  EXPECT_EQ(count_files(tmp_dir()), 0u);
  EXPECT_EQ(get("partial"), "<missing>");
}

TEST_P(ObjectStoreTest, ReopeningSweepsTempFilesAndUnreferencedBlobs) {
  ASSERT_TRUE(put("k", "kept").ok());
  // What a crash can leave: a half-written temp file, and a linked blob whose
  // version was never committed.
  std::ofstream(tmp_dir() + "/crashed.part") << "half";
  std::string orphan(64, 'a');
  std::ofstream(blobs_dir() + "/aa/" + orphan) << "orphan";
  reopen();
  if (shared()) {
    // Another replica may be writing that temp file, or be about to commit a
    // reference to that blob: a start sweeps neither, the collection takes
    // the blob, and a temp file goes only when untouched for a day.
    EXPECT_EQ(count_files(tmp_dir()), 1u);
    EXPECT_TRUE(fs::exists(blobs_dir() + "/aa/" + orphan));
    EXPECT_EQ(blob_files(), 1u);
  } else {
    EXPECT_EQ(count_files(tmp_dir()), 0u);
  }
  EXPECT_FALSE(fs::exists(blobs_dir() + "/aa/" + orphan));
  EXPECT_EQ(get("k"), "kept");
}

TEST_P(ObjectStoreTest, CopyReferencesTheSameBlobWithoutWritingBytes) {
  auto src = put("src", "copied bytes");
  ASSERT_TRUE(src.ok());
  NewVersion copy;
  copy.key = "dst";
  copy.segments = src->segments;
  copy.size = src->size;
  copy.etag = src->etag;
  ASSERT_TRUE(store_->put_existing_blobs("b", copy, {}).ok());
  EXPECT_EQ(blob_files(), 1u);
  ASSERT_TRUE(store_->delete_object("b", "src").ok());
  EXPECT_EQ(get("dst"), "copied bytes");
}

// The copy's commit releases the version it replaces, and with it the one
// reference its blob had, before it takes its own: the blob must stay.
TEST_P(ObjectStoreTest, ACopyOntoItselfKeepsItsBlob) {
  auto src = put("self", "copied onto itself");
  ASSERT_TRUE(src.ok());
  NewVersion copy;
  copy.key = "self";
  copy.segments = src->segments;
  copy.size = src->size;
  copy.etag = src->etag;
  auto copied = store_->put_existing_blobs("b", copy, {});
  ASSERT_TRUE(copied.ok()) << copied.error().message;
  EXPECT_EQ(blob_files(), 1u);
  EXPECT_EQ(get("self"), "copied onto itself");
}

TEST_P(ObjectStoreTest, OpenedObjectStaysReadableAfterConcurrentDelete) {
  ASSERT_TRUE(put("k", "still here").ok());
  auto opened = store_->open_object("b", "k");
  ASSERT_TRUE(opened.ok());
  ASSERT_TRUE(store_->delete_object("b", "k").ok());
  EXPECT_EQ(blob_files(), 0u);
  EXPECT_EQ(read_fd(opened->segments[0].get()), "still here");
}

// Whether the filesystem under `dir` accepts O_DIRECT, asked directly.
bool accepts_o_direct(const std::string& dir) {
  const std::string probe = dir + "/o-direct-probe";
  int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_DIRECT, 0600);
  if (fd >= 0) ::close(fd);
  ::unlink(probe.c_str());
  return fd >= 0;
}

// The status flags (as fcntl(F_GETFL) gives them) of the one descriptor this
// process holds on a file under `dir`, read from /proc/self/fdinfo: the store
// exposes no way to ask its writer whether it writes with O_DIRECT.
std::optional<long> flags_of_open_file_under(const std::string& dir) {
  std::optional<long> found;
  for (const auto& entry : fs::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    auto target = fs::read_symlink(entry.path(), ec);
    if (ec || target.string().rfind(dir + "/", 0) != 0) continue;
    if (found) return std::nullopt;  // more than one: ambiguous
    std::ifstream info("/proc/self/fdinfo/" + entry.path().filename().string());
    std::string name, value;
    while (info >> name >> value) {
      if (name == "flags:") found = std::stol(value, nullptr, 8);
    }
  }
  return found;
}

// O_DIRECT where the filesystem takes it: aligned blocks go to the disk
// without the page cache, the unaligned tail through it, and the bytes read
// back are the bytes written.
TEST_P(ObjectStoreTest, BlobWritesUseODirectExactlyWhereTheFilesystemAcceptsIt) {
  const bool direct_expected = accepts_o_direct(dir_.path());
  if (medium() == Medium::kDisk) {
    // On a disk the direct path must really be exercised, not skipped.
    ASSERT_TRUE(direct_expected) << dir_.path() << " refuses O_DIRECT; set TMPDIR to a disk";
  }
  constexpr size_t kBlock = 4096;
  std::unique_ptr<uint8_t, decltype(&std::free)> buffer(
      static_cast<uint8_t*>(std::aligned_alloc(kBlock, 4 * kBlock)), &std::free);
  ASSERT_TRUE(buffer);
  for (size_t i = 0; i < 4 * kBlock; ++i) buffer.get()[i] = static_cast<uint8_t>(i * 7 + i / 13);

  auto writer = store_->begin_blob({});
  ASSERT_TRUE(writer.ok());
  auto flags = flags_of_open_file_under(tmp_dir());
  ASSERT_TRUE(flags) << "no single open file under " << tmp_dir();
  EXPECT_EQ((*flags & O_DIRECT) != 0, direct_expected);

  ASSERT_TRUE((*writer)->write(std::span<const uint8_t>(buffer.get(), 3 * kBlock)).ok());
  flags = flags_of_open_file_under(tmp_dir());
  ASSERT_TRUE(flags);
  EXPECT_EQ((*flags & O_DIRECT) != 0, direct_expected) << "aligned blocks left the direct path";

  // An unaligned tail: the writer drops O_DIRECT for the rest.
  ASSERT_TRUE((*writer)->write(std::span<const uint8_t>(buffer.get() + 3 * kBlock, 100)).ok());
  flags = flags_of_open_file_under(tmp_dir());
  ASSERT_TRUE(flags);
  EXPECT_EQ(*flags & O_DIRECT, 0);

  auto sealed = (*writer)->seal();
  ASSERT_TRUE(sealed.ok());
  const std::string expected(reinterpret_cast<const char*>(buffer.get()), 3 * kBlock + 100);
  NewVersion v;
  v.key = "direct";
  v.segments = {BlobSegment{(*sealed)->sha256_hex(), (*sealed)->size()}};
  v.size = (*sealed)->size();
  v.etag = (*sealed)->md5_hex();
  v.content_sha256 = (*sealed)->sha256_hex();
  v.owner = "owner";
  ASSERT_TRUE(store_->put_object("b", v, **sealed, {}).ok());
  EXPECT_EQ(v.size, expected.size());
  EXPECT_EQ(get("direct"), expected);
}

}  // namespace
}  // namespace moss::store
