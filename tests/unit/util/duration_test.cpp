#include "moss/util/duration.h"

#include <gtest/gtest.h>

namespace moss {
namespace {

using std::chrono::milliseconds;

TEST(Duration, ParsesEachUnit) {
  EXPECT_EQ(parse_duration("7d"), milliseconds(7 * 86'400'000LL));
  EXPECT_EQ(parse_duration("12h"), milliseconds(12 * 3'600'000LL));
  EXPECT_EQ(parse_duration("30m"), milliseconds(30 * 60'000LL));
  EXPECT_EQ(parse_duration("45s"), milliseconds(45'000));
  EXPECT_EQ(parse_duration("250ms"), milliseconds(250));
  EXPECT_EQ(parse_duration("0s"), milliseconds(0));
}

TEST(Duration, AddsCombinedTerms) {
  EXPECT_EQ(parse_duration("1h30m"), milliseconds(90 * 60'000LL));
  EXPECT_EQ(parse_duration("1m500ms"), milliseconds(60'500));
}

TEST(Duration, RejectsMissingUnitsAndGarbage) {
  for (const char* bad : {"", "7", "d", "7x", "-1s", "1.5h", "s7", "99999999999999999d"}) {
    EXPECT_FALSE(parse_duration(bad)) << bad;
  }
}

}  // namespace
}  // namespace moss
