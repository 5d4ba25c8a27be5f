#include "moss/util/fs.h"

#include <fcntl.h>
#include <gtest/gtest.h>

#include <cerrno>
#include <string>

#include "moss/util/unique_fd.h"
#include "unit/store/temp_dir.h"

namespace moss {
namespace {

// A file holding "0123456789", open for reading.
class PreadFull : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string path = dir_.path() + "/digits";
    ASSERT_FALSE(write_file_atomically(path, "0123456789", 0600));
    fd_ = UniqueFd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    ASSERT_GE(fd_.get(), 0);
  }
  testing::TempDir dir_;
  UniqueFd fd_;
};

TEST_F(PreadFull, ReadsTheWholeRangeAtItsOffset) {
  char out[4] = {};
  const FullRead result = pread_full(fd_.get(), out, sizeof out, 3);
  EXPECT_EQ(result.got, 4u);
  EXPECT_EQ(result.error, 0);
  EXPECT_EQ(std::string(out, 4), "3456");
}

TEST_F(PreadFull, StopsShortWithoutAnErrorAtTheEndOfTheFile) {
  char out[8] = {};
  const FullRead result = pread_full(fd_.get(), out, sizeof out, 6);
  EXPECT_EQ(result.got, 4u);
  EXPECT_EQ(result.error, 0);
  EXPECT_EQ(std::string(out, 4), "6789");
  EXPECT_EQ(pread_full(fd_.get(), out, sizeof out, 10).got, 0u);
}

TEST_F(PreadFull, ReportsTheErrnoOfAFailedRead) {
  char out[4];
  const FullRead result = pread_full(-1, out, sizeof out, 0);
  EXPECT_EQ(result.got, 0u);
  EXPECT_EQ(result.error, EBADF);
}

}  // namespace
}  // namespace moss
