#include "moss/util/result.h"

#include <gtest/gtest.h>

#include <string>

namespace moss {
namespace {

Result<int, std::string> parse_positive(int v) {
  if (v <= 0) return fail(std::string("not positive"));
  return v;
}

TEST(Result, HoldsValueWhenOk) {
  auto r = parse_positive(3);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 3);
}

TEST(Result, HoldsErrorWhenFailed) {
  auto r = parse_positive(-1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "not positive");
}

TEST(Result, VoidResultCarriesOnlyTheError) {
  Result<void, std::string> good;
  Result<void, std::string> bad = fail(std::string("boom"));
  EXPECT_TRUE(good.ok());
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error(), "boom");
}

}  // namespace
}  // namespace moss
