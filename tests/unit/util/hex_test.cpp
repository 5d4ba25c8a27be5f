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

TEST(HexDigitValue, DecodesBothCasesAndRejectsTheRest) {
  EXPECT_EQ(hex_digit_value('0'), 0);
  EXPECT_EQ(hex_digit_value('9'), 9);
  EXPECT_EQ(hex_digit_value('a'), 10);
  EXPECT_EQ(hex_digit_value('F'), 15);
  for (char c : std::string_view("gG/:@`xX \0", 11)) EXPECT_EQ(hex_digit_value(c), -1) << c;
  EXPECT_EQ(hex_digit_value(static_cast<char>(0xB0)), -1);
}

TEST(IsHex, AcceptsEitherCaseButNotEmpty) {
  EXPECT_TRUE(is_hex("0123456789abcdefABCDEF"));
  EXPECT_FALSE(is_hex(""));
  EXPECT_FALSE(is_hex("12g4"));
}

TEST(IsLowerHex, AcceptsOnlyWhatToHexWrites) {
  EXPECT_TRUE(is_lower_hex("0123456789abcdef"));
  EXPECT_FALSE(is_lower_hex("ABCDEF"));
  EXPECT_FALSE(is_lower_hex(""));
  EXPECT_FALSE(is_lower_hex("0x12"));
}

}  // namespace
}  // namespace moss
