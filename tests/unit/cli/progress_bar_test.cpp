#include "moss/cli/progress_bar.h"

#include <gtest/gtest.h>

namespace moss::cli {
namespace {

TEST(ProgressLine, ShowsPercentBarBytesRateAndTimeLeft) {
  ProgressSnapshot s{"model.gguf", 512ull << 20, 1ull << 30, 64.0 * (1 << 20), ""};
  std::string line = format_progress_line(s, 100);
  EXPECT_EQ(line,
            "model.gguf   50% [====================>                   ] 512 MiB / 1.00 GiB  "
            "64.0 MiB/s  0:08");
}

TEST(ProgressLine, APhaseReplacesTheRate) {
  ProgressSnapshot s{"m", 0, 100, 0, "hashing"};
  std::string line = format_progress_line(s, 80);
  EXPECT_NE(line.find("0 B / 100 B  hashing"), std::string::npos) << line;
}

TEST(ProgressLine, CompleteTransferHasNoTimeLeft) {
  ProgressSnapshot s{"m", 100, 100, 10, ""};
  std::string line = format_progress_line(s, 80);
  EXPECT_NE(line.find("100% [========"), std::string::npos) << line;
  EXPECT_TRUE(line.ends_with("100 B / 100 B  10 B/s")) << line;
}

TEST(ProgressLine, LongLabelsAreShortenedToFitTheWidth) {
  ProgressSnapshot s{std::string(200, 'x') + ".gguf", 1, 2, 0, ""};
  std::string line = format_progress_line(s, 60);
  EXPECT_LE(line.size(), 60u);
  EXPECT_TRUE(line.starts_with("...")) << line;
}

TEST(ProgressLine, EmptyTotalIsComplete) {
  ProgressSnapshot s{"empty", 0, 0, 0, ""};
  EXPECT_NE(format_progress_line(s, 80).find("100%"), std::string::npos);
}

}  // namespace
}  // namespace moss::cli
