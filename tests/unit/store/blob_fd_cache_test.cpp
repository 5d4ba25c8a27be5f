// BlobFdCache: descriptors are reused, failures are not cached, forget()
// drops a descriptor (so a removed blob's space can be freed), and the cache
// stays bounded.
#include "store/blob_fd_cache.h"

#include <fcntl.h>
#include <gtest/gtest.h>

#include <cerrno>
#include <string>

namespace moss::store {
namespace {

class BlobFdCacheTest : public ::testing::Test {
 protected:
  SharedFd get(const std::string& name) {
    return cache_.get(name, [this] {
      ++opens_;
      return UniqueFd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    });
  }

  BlobFdCache cache_;
  int opens_ = 0;
};

TEST_F(BlobFdCacheTest, ASecondGetReusesTheDescriptor) {
  SharedFd first = get("a");
  SharedFd second = get("a");
  ASSERT_TRUE(first.valid());
  EXPECT_EQ(first.get(), second.get());
  EXPECT_EQ(opens_, 1);
}

TEST_F(BlobFdCacheTest, AFailedOpenIsPassedThroughWithErrnoAndNotCached) {
  auto failing = [] {
    errno = ENOENT;
    return UniqueFd();
  };
  SharedFd missing = cache_.get("gone", failing);
  EXPECT_FALSE(missing.valid());
  EXPECT_EQ(errno, ENOENT);
  get("gone");
  EXPECT_EQ(opens_, 1);  // the failure was not remembered
}

TEST_F(BlobFdCacheTest, ForgetDropsTheDescriptorButHoldersKeepTheirs) {
  SharedFd held = get("a");
  cache_.forget("a");
  SharedFd reopened = get("a");
  EXPECT_EQ(opens_, 2);
  EXPECT_TRUE(held.valid());
  EXPECT_NE(held.get(), reopened.get());
}

TEST_F(BlobFdCacheTest, StaysBoundedAndEvictsTheLeastRecentlyUsed) {
  // Far more names than the cache holds: the first one must have been evicted.
  for (int i = 0; i < 5000; ++i) get("blob-" + std::to_string(i));
  EXPECT_EQ(opens_, 5000);
  get("blob-0");
  EXPECT_EQ(opens_, 5001);
  // The most recent one is still there.
  get("blob-4999");
  EXPECT_EQ(opens_, 5001);
}

}  // namespace
}  // namespace moss::store
