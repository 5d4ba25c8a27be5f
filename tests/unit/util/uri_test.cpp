#include "moss/util/uri.h"

#include <gtest/gtest.h>

#include <string>

namespace moss {
namespace {

TEST(PercentDecode, DecodesEscapesOfEitherCase) {
  EXPECT_EQ(percent_decode("a%2Fb"), "a/b");
  EXPECT_EQ(percent_decode("a%2fb"), "a/b");
  EXPECT_EQ(percent_decode("%E2%82%AC"), "\xe2\x82\xac");
  EXPECT_EQ(percent_decode("%00"), std::string(1, '\0'));
  EXPECT_EQ(percent_decode("%25"), "%");
}

TEST(PercentDecode, LeavesPlusAsPlus) { EXPECT_EQ(percent_decode("a+b%2B"), "a+b+"); }

TEST(PercentDecode, PassesPlainTextThrough) {
  EXPECT_EQ(percent_decode(""), "");
  EXPECT_EQ(percent_decode("photos/2024/cat.jpg"), "photos/2024/cat.jpg");
}

TEST(PercentDecode, RejectsMalformedEscapes) {
  EXPECT_EQ(percent_decode("%"), std::nullopt);
  EXPECT_EQ(percent_decode("abc%"), std::nullopt);
  EXPECT_EQ(percent_decode("abc%2"), std::nullopt);
  EXPECT_EQ(percent_decode("%G0"), std::nullopt);
  EXPECT_EQ(percent_decode("%0G"), std::nullopt);
  EXPECT_EQ(percent_decode("% 20"), std::nullopt);
}

TEST(PercentDecode, DoesNotDecodeTwice) { EXPECT_EQ(percent_decode("%252F"), "%2F"); }

TEST(FormDecode, TurnsPlusIntoSpace) {
  EXPECT_EQ(form_decode("a+b"), "a b");
  EXPECT_EQ(form_decode("a%2Bb"), "a+b");
  EXPECT_EQ(form_decode("%zz"), std::nullopt);
}

// An escape (and, in form decoding, a '+') at every offset of texts long
// enough for several eight-byte words and a tail, with its neighbours one
// character code either side: decoding looks for them a word at a time.
TEST(FormDecode, FindsEscapesAtEveryOffset) {
  for (size_t length : {3, 8, 9, 16, 17, 24, 33}) {
    for (size_t at = 0; at + 3 <= length; ++at) {
      std::string text(length, '$');  // '%' - 1
      text.replace(at, 3, "%41");
      std::string expected(length, '$');
      expected.replace(at, 3, "A");
      EXPECT_EQ(percent_decode(text), expected) << text;
      EXPECT_EQ(form_decode(text), expected) << text;
      std::string plus(length, '*');  // '+' - 1
      plus[at] = '+';
      std::string spaced = plus;
      spaced[at] = ' ';
      EXPECT_EQ(form_decode(plus), spaced) << plus;
      EXPECT_EQ(percent_decode(plus), plus) << plus;
      std::string neighbours(length, '&');  // '%' + 1
      neighbours[at] = ',';                 // '+' + 1
      EXPECT_EQ(form_decode(neighbours), neighbours);
    }
  }
}

TEST(AwsUriEncode, KeepsOnlyUnreservedCharacters) {
  EXPECT_EQ(aws_uri_encode("AZaz09-._~", true), "AZaz09-._~");
  EXPECT_EQ(aws_uri_encode(" !*'()+=&$,;:@?#[]", true),
            "%20%21%2A%27%28%29%2B%3D%26%24%2C%3B%3A%40%3F%23%5B%5D");
}

TEST(AwsUriEncode, UsesUppercaseHexForEveryOtherByte) {
  EXPECT_EQ(aws_uri_encode("\xe2\x82\xac", true), "%E2%82%AC");
  EXPECT_EQ(aws_uri_encode(std::string_view("\0\xff", 2), true), "%00%FF");
  EXPECT_EQ(aws_uri_encode("%", true), "%25");
}

TEST(AwsUriEncode, SlashIsKeptOnlyForObjectKeyPaths) {
  EXPECT_EQ(aws_uri_encode("a/b c/d", false), "a/b%20c/d");
  EXPECT_EQ(aws_uri_encode("a/b c/d", true), "a%2Fb%20c%2Fd");
}

TEST(AwsUriEncode, RoundTripsThroughPercentDecode) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  EXPECT_EQ(percent_decode(aws_uri_encode(all, true)), all);
  EXPECT_EQ(percent_decode(aws_uri_encode(all, false)), all);
}

TEST(ParseQuery, SplitsDecodedPairsInWireOrder) {
  const auto params = parse_query("a=1&b&c=%2F");
  ASSERT_TRUE(params);
  const QueryParams expected = {{"a", "1"}, {"b", ""}, {"c", "/"}};
  EXPECT_EQ(*params, expected);
}

TEST(ParseQuery, KeepsDuplicatesAndOrder) {
  const QueryParams expected = {{"z", "1"}, {"a", "2"}, {"z", "3"}};
  EXPECT_EQ(parse_query("z=1&a=2&z=3"), expected);
}

TEST(ParseQuery, EmptyQueryHasNoParameters) { EXPECT_EQ(parse_query(""), QueryParams{}); }

TEST(ParseQuery, SkipsEmptySegments) {
  const QueryParams expected = {{"a", "1"}, {"b", "2"}};
  EXPECT_EQ(parse_query("&a=1&&b=2&"), expected);
}

TEST(ParseQuery, SplitsOnFirstEqualsOnly) {
  const QueryParams expected = {{"x", "a=b"}, {"", "v"}, {"e", ""}};
  EXPECT_EQ(parse_query("x=a=b&=v&e="), expected);
}

TEST(ParseQuery, DecodesNamesAndValuesButNotPlus) {
  const QueryParams expected = {{"prefix", "a b+c"}, {"list-type", "2"}, {"k/", "%"}};
  EXPECT_EQ(parse_query("prefix=a%20b+c&list-type=2&k%2F=%25"), expected);
}

TEST(ParseQuery, SubresourceWithoutValue) {
  const QueryParams expected = {{"uploads", ""}};
  EXPECT_EQ(parse_query("uploads"), expected);
}

TEST(ParseQuery, RejectsMalformedEscapeInNameOrValue) {
  EXPECT_EQ(parse_query("a=%zz"), std::nullopt);
  EXPECT_EQ(parse_query("%4=1"), std::nullopt);
  EXPECT_EQ(parse_query("ok=1&bad=%"), std::nullopt);
}

}  // namespace
}  // namespace moss
