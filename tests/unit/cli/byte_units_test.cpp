#include "moss/cli/byte_units.h"

#include <gtest/gtest.h>

namespace moss::cli {
namespace {

TEST(ParseSize, BinarySuffixesInAnyCase) {
  EXPECT_EQ(parse_size("1048576"), 1048576u);
  EXPECT_EQ(parse_size("512K"), 512u << 10);
  EXPECT_EQ(parse_size("64MiB"), 64u << 20);
  EXPECT_EQ(parse_size("64mb"), 64u << 20);
  EXPECT_EQ(parse_size("2G"), 2ull << 30);
  EXPECT_EQ(parse_size("1TiB"), 1ull << 40);
}

TEST(ParseSize, RejectsJunkAndOverflow) {
  EXPECT_FALSE(parse_size(""));
  EXPECT_FALSE(parse_size("MiB"));
  EXPECT_FALSE(parse_size("64 MiB"));
  EXPECT_FALSE(parse_size("64X"));
  EXPECT_FALSE(parse_size("-1"));
  EXPECT_FALSE(parse_size("99999999999T"));
}

TEST(FormatBytes, ThreeSignificantDigits) {
  EXPECT_EQ(format_bytes(0), "0 B");
  EXPECT_EQ(format_bytes(1023), "1023 B");
  EXPECT_EQ(format_bytes(1024), "1.00 KiB");
  EXPECT_EQ(format_bytes(12900000), "12.3 MiB");
  EXPECT_EQ(format_bytes(4920000000ull), "4.58 GiB");
  EXPECT_EQ(format_bytes(512ull << 30), "512 GiB");
}

TEST(FormatDuration, MinutesAndHours) {
  EXPECT_EQ(format_duration(7), "0:07");
  EXPECT_EQ(format_duration(754), "12:34");
  EXPECT_EQ(format_duration(3723), "1:02:03");
  EXPECT_EQ(format_duration(-5), "0:00");
}

}  // namespace
}  // namespace moss::cli
