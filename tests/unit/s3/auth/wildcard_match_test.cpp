#include "s3/auth/wildcard_match.h"

#include <gtest/gtest.h>

#include <string>

namespace moss::s3 {
namespace {

bool matches(std::string_view pattern, std::string_view text) {
  return wildcard_match(pattern, text, LetterCase::kSensitive);
}

TEST(WildcardMatch, StarMatchesAnyRunIncludingNoneAndSlashes) {
  EXPECT_TRUE(matches("models/*", "models/"));
  EXPECT_TRUE(matches("models/*", "models/llama-3-8b/tags/latest"));
  EXPECT_TRUE(matches("*", ""));
  EXPECT_TRUE(matches("*", "anything/at/all"));
  EXPECT_TRUE(matches("a*b*c", "abc"));
  EXPECT_TRUE(matches("a*b*c", "a-x-b-y-c"));
  EXPECT_FALSE(matches("a*b*c", "a-x-b-y-d"));
  EXPECT_FALSE(matches("models/*", "models"));
}

TEST(WildcardMatch, QuestionMarkMatchesExactlyOneCharacter) {
  EXPECT_TRUE(matches("llama-?-8b", "llama-3-8b"));
  EXPECT_FALSE(matches("llama-?-8b", "llama--8b"));
  EXPECT_FALSE(matches("llama-?-8b", "llama-31-8b"));
  EXPECT_TRUE(matches("??", "ab"));
  EXPECT_FALSE(matches("?", ""));
}

TEST(WildcardMatch, QuestionMarkMatchesOneUtf8CharacterNotOneByte) {
  EXPECT_TRUE(matches("models/?", "models/\xc3\xa9"));  // é, two bytes
  EXPECT_FALSE(matches("models/??", "models/\xc3\xa9"));
  EXPECT_TRUE(matches("?x",
                      "\xe2\x82\xac"
                      "x"));  // €x: `?` takes the whole euro sign
  EXPECT_TRUE(matches("*\xc3\xa9", "caf\xc3\xa9"));
}

TEST(WildcardMatch, LiteralPatternMustMatchTheWholeText) {
  EXPECT_TRUE(matches("models", "models"));
  EXPECT_FALSE(matches("models", "models2"));
  EXPECT_FALSE(matches("models", "model"));
  EXPECT_FALSE(matches("", "x"));
  EXPECT_TRUE(matches("", ""));
}

TEST(WildcardMatch, TrailingStarsMatchTheEmptyRest) {
  EXPECT_TRUE(matches("abc***", "abc"));
  EXPECT_TRUE(matches("**", ""));
  EXPECT_FALSE(matches("abc*?", "abc"));
}

TEST(WildcardMatch, LetterCaseMattersOnlyWhenSensitive) {
  EXPECT_FALSE(wildcard_match("s3:getobject", "s3:GetObject", LetterCase::kSensitive));
  EXPECT_TRUE(wildcard_match("s3:getobject", "s3:GetObject", LetterCase::kInsensitive));
  EXPECT_TRUE(wildcard_match("S3:GET*", "s3:GetObjectVersion", LetterCase::kInsensitive));
  EXPECT_FALSE(wildcard_match("s3:Put*", "s3:GetObject", LetterCase::kInsensitive));
}

TEST(WildcardMatch, TextWildcardCharactersAreLiteral) {
  EXPECT_FALSE(matches("models/a", "models/*"));
  EXPECT_FALSE(matches("models/a", "models/?"));
  EXPECT_TRUE(matches("models/*", "models/*"));
}

TEST(WildcardMatch, ManyStarsAgainstALongNearMissStayLinear) {
  const std::string text(20000, 'a');
  const std::string pattern = "*a*a*a*a*a*a*a*a*a*a*a*a*b";
  size_t steps = 0;
  EXPECT_FALSE(wildcard_match(pattern, text, LetterCase::kSensitive, &steps));
  // A backtracking matcher would try every way to split the text among the
  // stars: astronomically many. The greedy one walks the text a few times.
  EXPECT_LE(steps, 4 * text.size());
  EXPECT_GE(steps, text.size());  // and the counter does count
}

TEST(WildcardMatch, WorstCaseIsBoundedByPatternTimesText) {
  const std::string text(5000, 'a');
  const std::string pattern = "*aaaaaaaaaaaaaaaaaaaab";
  size_t steps = 0;
  EXPECT_FALSE(wildcard_match(pattern, text, LetterCase::kSensitive, &steps));
  EXPECT_LE(steps, (pattern.size() + 1) * (text.size() + 1));
  steps = 0;
  EXPECT_TRUE(wildcard_match(pattern, text + "b", LetterCase::kSensitive, &steps));
  EXPECT_LE(steps, (pattern.size() + 1) * (text.size() + 2));
}

}  // namespace
}  // namespace moss::s3
