// BodyRateFloor: the credit a request body banks and spends, without a clock
// (waits are given as durations).
#include "moss/http/body_rate_floor.h"

#include <gtest/gtest.h>

namespace moss::http {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(BodyRateFloor, WithoutAFloorEveryReadMayWaitForEver) {
  BodyRateFloor floor(0, seconds(30));
  floor.record(seconds(1000), 0);
  EXPECT_EQ(floor.allowance(), BodyRateFloor::Duration::max());
}

TEST(BodyRateFloor, AFreshBodyMayWaitOneWindow) {
  BodyRateFloor floor(1024, seconds(30));
  EXPECT_EQ(floor.allowance(), seconds(30));
}

TEST(BodyRateFloor, AStalledBodyRunsOutAfterOneWindow) {
  BodyRateFloor floor(1024, seconds(30));
  floor.record(seconds(20), 0);
  EXPECT_EQ(floor.allowance(), seconds(10));
  floor.record(seconds(10), 0);
  EXPECT_EQ(floor.allowance(), BodyRateFloor::Duration::zero());
}

TEST(BodyRateFloor, ABodyAtTheRateNeverRunsOut) {
  BodyRateFloor floor(1024, seconds(30));
  for (int i = 0; i < 10000; ++i) floor.record(seconds(1), 1024);
  EXPECT_EQ(floor.allowance(), seconds(30));
}

TEST(BodyRateFloor, ABodyJustBelowTheRateRunsOutEventually) {
  BodyRateFloor floor(1024, seconds(30));
  int reads = 0;
  while (floor.allowance() > BodyRateFloor::Duration::zero() && reads < 100000) {
    floor.record(seconds(1), 1000);
    ++reads;
  }
  EXPECT_EQ(floor.allowance(), BodyRateFloor::Duration::zero());
  EXPECT_GT(reads, 30);  // it had the window's credit to spend first
}

TEST(BodyRateFloor, ATrickleGetsOnlyWhatItPaysFor) {
  BodyRateFloor floor(1024, seconds(30));
  floor.record(seconds(29), 1);  // a byte just before the window ran out
  EXPECT_LT(floor.allowance(), seconds(2));
}

TEST(BodyRateFloor, CreditBankedByAFastStartIsCappedAtOneWindow) {
  BodyRateFloor floor(1024, seconds(30));
  floor.record(milliseconds(10), 1ull << 30);  // a gigabyte at once
  EXPECT_EQ(floor.allowance(), seconds(30));
}

}  // namespace
}  // namespace moss::http
