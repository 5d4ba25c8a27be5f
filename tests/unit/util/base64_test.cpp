#include "moss/util/base64.h"

#include <gtest/gtest.h>

#include <string>

namespace moss {
namespace {

// RFC 4648 section 10.
TEST(Base64Encode, MatchesRfc4648Vectors) {
  EXPECT_EQ(base64_encode(std::string_view("")), "");
  EXPECT_EQ(base64_encode(std::string_view("f")), "Zg==");
  EXPECT_EQ(base64_encode(std::string_view("fo")), "Zm8=");
  EXPECT_EQ(base64_encode(std::string_view("foo")), "Zm9v");
  EXPECT_EQ(base64_encode(std::string_view("foob")), "Zm9vYg==");
  EXPECT_EQ(base64_encode(std::string_view("fooba")), "Zm9vYmE=");
  EXPECT_EQ(base64_encode(std::string_view("foobar")), "Zm9vYmFy");
}

TEST(Base64Encode, UsesStandardAlphabetWithPlusAndSlash) {
  EXPECT_EQ(base64_encode(std::string_view("\xfb\xff\xbf", 3)), "+/+/");
  EXPECT_EQ(base64_encode(std::string_view("\x00\x00\x00\x00", 4)), "AAAAAA==");
}

TEST(Base64Decode, MatchesRfc4648Vectors) {
  EXPECT_EQ(base64_decode(""), "");
  EXPECT_EQ(base64_decode("Zg=="), "f");
  EXPECT_EQ(base64_decode("Zm8="), "fo");
  EXPECT_EQ(base64_decode("Zm9v"), "foo");
  EXPECT_EQ(base64_decode("Zm9vYg=="), "foob");
  EXPECT_EQ(base64_decode("Zm9vYmE="), "fooba");
  EXPECT_EQ(base64_decode("Zm9vYmFy"), "foobar");
}

TEST(Base64Decode, DecodesChecksumHeaderValues) {
  EXPECT_EQ(base64_decode("AAAAAA=="), std::string(4, '\0'));
  EXPECT_EQ(base64_decode("DUoRhQ=="), std::string("\x0d\x4a\x11\x85", 4));
  EXPECT_EQ(base64_decode("1B2M2Y8AsgTpgAmY7PhCfg==")->size(), 16u);
}

TEST(Base64Decode, RoundTripsEveryLengthAndByte) {
  std::string data;
  for (int i = 0; i < 300; ++i) {
    data += static_cast<char>(i * 37);
    ASSERT_EQ(base64_decode(base64_encode(data)), data) << i;
  }
}

TEST(Base64Decode, RejectsMissingPadding) {
  EXPECT_EQ(base64_decode("Zg"), std::nullopt);
  EXPECT_EQ(base64_decode("Zm8"), std::nullopt);
  EXPECT_EQ(base64_decode("Zg="), std::nullopt);
  EXPECT_EQ(base64_decode("Z"), std::nullopt);
}

TEST(Base64Decode, RejectsCharactersOutsideTheAlphabet) {
  EXPECT_EQ(base64_decode("Zm9v!mFy"), std::nullopt);
  EXPECT_EQ(base64_decode("Zm9v YmFy"), std::nullopt);
  EXPECT_EQ(base64_decode("Zm9vYmFy\n"), std::nullopt);
  EXPECT_EQ(base64_decode("-_-_"), std::nullopt);  // base64url is a different alphabet
  EXPECT_EQ(base64_decode(std::string_view("Zm9\0", 4)), std::nullopt);
  EXPECT_EQ(base64_decode("Zm9\xff"), std::nullopt);
}

TEST(Base64Decode, RejectsMisplacedPadding) {
  EXPECT_EQ(base64_decode("===="), std::nullopt);
  EXPECT_EQ(base64_decode("Z==="), std::nullopt);
  EXPECT_EQ(base64_decode("Zg==Zg=="), std::nullopt);  // padding before the end
  EXPECT_EQ(base64_decode("Zm=v"), std::nullopt);
  EXPECT_EQ(base64_decode("=Zm9"), std::nullopt);
  EXPECT_EQ(base64_decode("Zg==="), std::nullopt);
}

TEST(Base64Decode, RejectsNonCanonicalTrailingBits) {
  EXPECT_EQ(base64_decode("Zh=="), std::nullopt);  // "Zg==" with low bits set
  EXPECT_EQ(base64_decode("Zm9="), std::nullopt);  // "Zm8=" with low bits set
  EXPECT_EQ(base64_decode("AAAAAB=="), std::nullopt);
}

}  // namespace
}  // namespace moss
