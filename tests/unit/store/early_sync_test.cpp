#include "store/early_sync.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "unit/store/temp_dir.h"

namespace moss::store {
namespace {

// A pipe cannot be synced (EINVAL): a flush started on one fails, which is how
// these tests see whether a flush ran and whether its error is kept.
class PipeEnds {
 public:
  PipeEnds() { EXPECT_EQ(::pipe(fds_), 0); }
  ~PipeEnds() {
    ::close(fds_[0]);
    ::close(fds_[1]);
  }
  int write_end() const { return fds_[1]; }

 private:
  int fds_[2] = {-1, -1};
};

TEST(EarlySync, NoFlushStartsBeforeAStepIsWritten) {
  PipeEnds pipe;
  EarlySync sync(pipe.write_end(), 1000);
  sync.wrote(999);
  EXPECT_EQ(sync.finish(), 0);
}

TEST(EarlySync, AFailedFlushIsReportedByFinishAndStaysReported) {
  PipeEnds pipe;
  EarlySync sync(pipe.write_end(), 1000);
  sync.wrote(1000);
  EXPECT_EQ(sync.finish(), EINVAL);
  EXPECT_EQ(sync.finish(), EINVAL);
}

// The descriptor's number first names a pipe (the flush fails), then a file
// (the next flush succeeds): the failure must still fail the upload.
TEST(EarlySync, AFailedFlushStaysReportedAfterALaterOneSucceeds) {
  moss::testing::TempDir dir(moss::testing::temp_base(moss::testing::Medium::kDisk));
  PipeEnds pipe;
  int file = ::open((dir.path() + "/f").c_str(), O_WRONLY | O_CREAT, 0600);
  ASSERT_GE(file, 0);
  int fd = ::dup(pipe.write_end());
  ASSERT_GE(fd, 0);
  {
    EarlySync sync(fd, 1000);
    sync.wrote(1000);
    ASSERT_EQ(sync.finish(), EINVAL);
    ASSERT_EQ(::dup2(file, fd), fd);
    sync.wrote(2000);
    EXPECT_EQ(sync.finish(), EINVAL);
  }
  ::close(fd);
  ::close(file);
}

TEST(EarlySync, FlushesOfAFileSucceed) {
  moss::testing::TempDir dir(moss::testing::temp_base(moss::testing::Medium::kDisk));
  const std::string path = dir.path() + "/f";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT, 0600);
  ASSERT_GE(fd, 0);
  {
    EarlySync sync(fd, 4);
    ASSERT_EQ(::write(fd, "bytes", 5), 5);
    sync.wrote(5);
    EXPECT_EQ(sync.finish(), 0);
  }
  ::close(fd);
}

}  // namespace
}  // namespace moss::store
