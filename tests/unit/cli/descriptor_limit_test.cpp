#include "cli/descriptor_limit.h"

#include <gtest/gtest.h>

namespace moss::cli {
namespace {

TEST(DefaultMaxConnections, TwoDescriptorsPerConnectionAfterTheReserve) {
  EXPECT_EQ(default_max_connections(20000), (20000 - kReservedDescriptors) / 2);
  EXPECT_EQ(default_max_connections(1048576), size_t{523648});
  EXPECT_EQ(default_max_connections(65536), size_t{32128});
}

TEST(DefaultMaxConnections, NeverBelowTheFloorWhenTheLimitIsSmall) {
  EXPECT_EQ(default_max_connections(0), kMinimumDefaultConnections);
  EXPECT_EQ(default_max_connections(1024), kMinimumDefaultConnections);
  EXPECT_EQ(default_max_connections(kReservedDescriptors), kMinimumDefaultConnections);
  EXPECT_EQ(default_max_connections(kReservedDescriptors + 2 * kMinimumDefaultConnections),
            kMinimumDefaultConnections);
  EXPECT_EQ(default_max_connections(kReservedDescriptors + 2 * kMinimumDefaultConnections + 2),
            kMinimumDefaultConnections + 1);
}

}  // namespace
}  // namespace moss::cli
