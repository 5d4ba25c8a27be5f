#include "moss/store/local_blob_store.h"

#include <gtest/gtest.h>
#include <sys/statvfs.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "unit/store/store_files.h"
#include "unit/store/temp_dir.h"

namespace moss::store {
namespace {

using moss::testing::count_files;

class LocalBlobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = LocalBlobStore::open(dir_.path());
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    blobs_ = std::move(*opened);
  }

  std::unique_ptr<SealedBlob> seal(const std::string& body) {
    auto writer = blobs_->create({});
    EXPECT_TRUE(writer.ok());
    if (!writer.ok()) return nullptr;
    EXPECT_TRUE((*writer)
                    ->write(std::span(reinterpret_cast<const uint8_t*>(body.data()), body.size()))
                    .ok());
    auto sealed = (*writer)->seal();
    EXPECT_TRUE(sealed.ok());
    return sealed.ok() ? std::move(*sealed) : nullptr;
  }

  moss::testing::TempDir dir_{moss::testing::temp_base(moss::testing::Medium::kDisk)};
  std::unique_ptr<LocalBlobStore> blobs_;
};

TEST_F(LocalBlobStoreTest, ASmallUnneededCopyIsRemovedAtOnce) {
  auto first = seal("same bytes");
  auto second = seal("same bytes");
  ASSERT_TRUE(first && second);
  ASSERT_TRUE(blobs_->link(*first).ok());
  ASSERT_TRUE(blobs_->link(*second).ok());
  EXPECT_EQ(count_files(blobs_->tmp_dir()), 0u);
  EXPECT_EQ(count_files(dir_.path() + "/blobs"), 1u);
}

// The second copy of 9 MiB is removed by the background thread: gone once it
// is idle, the linked blob untouched.
TEST_F(LocalBlobStoreTest, ALargeUnneededCopyIsRemovedInTheBackground) {
  const std::string body(9 << 20, 'x');
  auto first = seal(body);
  auto second = seal(body);
  ASSERT_TRUE(first && second);
  ASSERT_TRUE(blobs_->link(*first).ok());
  ASSERT_TRUE(blobs_->link(*second).ok());
  second.reset();  // linked: its destructor leaves the file to the thread
  blobs_->wait_for_discards();
  EXPECT_EQ(count_files(blobs_->tmp_dir()), 0u);
  EXPECT_EQ(count_files(dir_.path() + "/blobs"), 1u);
  auto fd = blobs_->open_blob(first->sha256_hex());
  ASSERT_TRUE(fd.ok());
  EXPECT_EQ(moss::testing::read_fd(fd->get()).size(), body.size());
}

TEST_F(LocalBlobStoreTest, ClosingTheStoreRemovesTheCopiesStillQueued) {
  const std::string body(9 << 20, 'y');
  const std::string tmp_dir = blobs_->tmp_dir();
  for (int i = 0; i < 2; ++i) {
    auto sealed = seal(body);
    ASSERT_TRUE(sealed);
    ASSERT_TRUE(blobs_->link(*sealed).ok());
  }
  blobs_.reset();
  EXPECT_EQ(count_files(tmp_dir), 0u);
}

TEST_F(LocalBlobStoreTest, AvailableBytesAreWhatTheDataFilesystemHasLeftForAnUnprivilegedWriter) {
  auto available = blobs_->available_bytes();
  ASSERT_TRUE(available.has_value());
  struct statvfs fs {};
  ASSERT_EQ(::statvfs(dir_.path().c_str(), &fs), 0);
  const uint64_t expected = static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize;
  // Other processes write to the same filesystem between the two calls.
  const uint64_t slack = 256u << 20;
  EXPECT_LE(*available, expected + slack);
  EXPECT_GE(*available + slack, expected);
  EXPECT_LE(*available, static_cast<uint64_t>(fs.f_bfree) * fs.f_frsize + slack);
}

}  // namespace
}  // namespace moss::store
