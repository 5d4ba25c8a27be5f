#include "moss/util/hex.h"

#include <gtest/gtest.h>

#include <string>

namespace moss {
namespace {

TEST(ToHex, EncodesLowercase) {
  EXPECT_EQ(to_hex(std::string_view("\x00\x01\x7f\x80\xab\xff", 6)), "00017f80abff");
}

TEST(ToHex, EmptyInputGivesEmptyString) { EXPECT_EQ(to_hex(std::string_view()), ""); }

TEST(FromHex, DecodesLowerAndUppercase) {
  EXPECT_EQ(from_hex("00017f80abff"), std::string("\x00\x01\x7f\x80\xab\xff", 6));
  EXPECT_EQ(from_hex("ABCDEF"), std::string("\xab\xcd\xef"));
  EXPECT_EQ(from_hex("aBcD"), std::string("\xab\xcd"));
}

TEST(FromHex, EmptyInputGivesEmptyString) { EXPECT_EQ(from_hex(""), std::string()); }

TEST(FromHex, RejectsOddLength) {
  EXPECT_EQ(from_hex("abc"), std::nullopt);
  EXPECT_EQ(from_hex("0"), std::nullopt);
}

TEST(FromHex, RejectsNonHexCharacters) {
  EXPECT_EQ(from_hex("0g"), std::nullopt);
  EXPECT_EQ(from_hex("zz"), std::nullopt);
  EXPECT_EQ(from_hex(" 0"), std::nullopt);
  EXPECT_EQ(from_hex("0x00"), std::nullopt);
  EXPECT_EQ(from_hex(std::string_view("0\0", 2)), std::nullopt);
}

TEST(Hex, RoundTripsEveryByteValue) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  EXPECT_EQ(from_hex(to_hex(all)), all);
}

}  // namespace
}  // namespace moss
