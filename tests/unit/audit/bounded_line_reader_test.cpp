#include "audit/bounded_line_reader.h"

#include <fcntl.h>
#include <gtest/gtest.h>

#include "moss/util/unique_fd.h"
#include "unit/audit/audit_test_files.h"
#include "unit/store/temp_dir.h"

namespace moss {
namespace {

using Status = BoundedLineReader::Status;

TEST(AuditBoundedLineReader, LinesLongerThanTheBufferStillComeWhole) {
  moss::testing::TempDir dir;
  const std::string path = dir.path() + "/lines";
  const std::string big(200 * 1024, 'x');  // three buffers' worth
  moss::testing::append_text(path, "first\n" + big + "\n\nlast\nunterminated");
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(fd.valid());
  BoundedLineReader reader(fd.get(), 1 << 20);
  std::string line;
  ASSERT_EQ(reader.next(line), Status::kLine);
  EXPECT_EQ(line, "first");
  ASSERT_EQ(reader.next(line), Status::kLine);
  EXPECT_EQ(line, big);
  ASSERT_EQ(reader.next(line), Status::kLine);
  EXPECT_EQ(line, "");
  ASSERT_EQ(reader.next(line), Status::kLine);
  EXPECT_EQ(line, "last");
  EXPECT_EQ(reader.next(line), Status::kEnd);  // an unterminated tail is not a line yet
}

TEST(AuditBoundedLineReader, ALineOverTheBoundIsSkippedToItsEnd) {
  moss::testing::TempDir dir;
  const std::string path = dir.path() + "/lines";
  moss::testing::append_text(path, "short\n" + std::string(100000, 'y') + "\nafter\n");
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(fd.valid());
  BoundedLineReader reader(fd.get(), 1000);
  std::string line;
  ASSERT_EQ(reader.next(line), Status::kLine);
  EXPECT_EQ(line, "short");
  EXPECT_EQ(reader.next(line), Status::kTooLong);
  EXPECT_LE(line.size(), 1000u);
  ASSERT_EQ(reader.next(line), Status::kLine);
  EXPECT_EQ(line, "after");
  EXPECT_EQ(reader.next(line), Status::kEnd);
}

}  // namespace
}  // namespace moss
