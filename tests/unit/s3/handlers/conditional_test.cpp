#include "s3/handlers/conditional.h"

#include <gtest/gtest.h>

#include <ctime>

#include "moss/util/time_format.h"

namespace moss::s3 {
namespace {

constexpr std::string_view kEtag = "\"9b2cf535f27731c974343645a3985328\"";
constexpr int64_t kLastModified = 784111777;  // Sun, 06 Nov 1994 08:49:37 GMT
constexpr const char* kAtLastModified = "Sun, 06 Nov 1994 08:49:37 GMT";
constexpr const char* kBefore = "Sat, 05 Nov 1994 08:49:37 GMT";
constexpr const char* kAfter = "Mon, 07 Nov 1994 08:49:37 GMT";
constexpr const char* kMatching = "\"9b2cf535f27731c974343645a3985328\"";
constexpr const char* kOther = "\"00000000000000000000000000000000\"";

PreconditionOutcome evaluate(const Preconditions& p) {
  return evaluate_read_preconditions(p, kEtag, kLastModified);
}

// --- etag lists ---

TEST(EtagListMatches, MatchesQuotedOrUnquotedTag) {
  EXPECT_TRUE(etag_list_matches("\"abc\"", "\"abc\""));
  EXPECT_TRUE(etag_list_matches("abc", "\"abc\""));
  EXPECT_TRUE(etag_list_matches("\"abc\"", "abc"));
  EXPECT_FALSE(etag_list_matches("\"abd\"", "\"abc\""));
}

TEST(EtagListMatches, StarMatchesAnyObject) {
  EXPECT_TRUE(etag_list_matches("*", "\"abc\""));
  EXPECT_TRUE(etag_list_matches(" * ", "\"abc\""));
  EXPECT_TRUE(etag_list_matches("\"x\", *", "\"abc\""));
}

TEST(EtagListMatches, MatchesAnyMemberOfAList) {
  EXPECT_TRUE(etag_list_matches("\"x\", \"abc\"", "\"abc\""));
  EXPECT_TRUE(etag_list_matches("\"x\",\"abc\",\"y\"", "\"abc\""));
  EXPECT_TRUE(etag_list_matches("x , abc", "\"abc\""));
  EXPECT_FALSE(etag_list_matches("\"x\", \"y\"", "\"abc\""));
}

TEST(EtagListMatches, IgnoresWeakPrefix) {
  EXPECT_TRUE(etag_list_matches("W/\"abc\"", "\"abc\""));
  EXPECT_TRUE(etag_list_matches("\"abc\"", "W/\"abc\""));
  EXPECT_TRUE(etag_list_matches("\"x\", W/\"abc\"", "\"abc\""));
}

TEST(EtagListMatches, ComparesCaseSensitively) {
  EXPECT_FALSE(etag_list_matches("\"ABC\"", "\"abc\""));
}

TEST(EtagListMatches, MatchesMultipartEtags) {
  EXPECT_TRUE(etag_list_matches("\"d41d8cd98f00b204e9800998ecf8427e-2\"",
                                "\"d41d8cd98f00b204e9800998ecf8427e-2\""));
  EXPECT_FALSE(etag_list_matches("\"d41d8cd98f00b204e9800998ecf8427e\"",
                                 "\"d41d8cd98f00b204e9800998ecf8427e-2\""));
}

TEST(EtagListMatches, QuotedTagMayContainComma) {
  EXPECT_TRUE(etag_list_matches("\"a,b\"", "\"a,b\""));
  EXPECT_FALSE(etag_list_matches("\"a,b\"", "\"a\""));
}

TEST(EtagListMatches, EmptyHeaderMatchesNothing) {
  EXPECT_FALSE(etag_list_matches("", "\"abc\""));
  EXPECT_FALSE(etag_list_matches(" , ", "\"abc\""));
}

TEST(EtagListMatches, QuotedStarIsAnOrdinaryTag) {
  EXPECT_FALSE(etag_list_matches("\"*\"", "\"abc\""));
}

// --- single headers ---

TEST(ReadPreconditions, NoHeadersProceed) {
  EXPECT_EQ(evaluate({}), PreconditionOutcome::kProceed);
}

TEST(ReadPreconditions, IfMatchWithSameEtagProceeds) {
  EXPECT_EQ(evaluate({.if_match = kMatching}), PreconditionOutcome::kProceed);
  EXPECT_EQ(evaluate({.if_match = "*"}), PreconditionOutcome::kProceed);
}

TEST(ReadPreconditions, IfMatchWithOtherEtagFails) {
  EXPECT_EQ(evaluate({.if_match = kOther}), PreconditionOutcome::kPreconditionFailed);
}

TEST(ReadPreconditions, IfNoneMatchWithSameEtagIsNotModified) {
  EXPECT_EQ(evaluate({.if_none_match = kMatching}), PreconditionOutcome::kNotModified);
  EXPECT_EQ(evaluate({.if_none_match = "*"}), PreconditionOutcome::kNotModified);
}

TEST(ReadPreconditions, IfNoneMatchWithOtherEtagProceeds) {
  EXPECT_EQ(evaluate({.if_none_match = kOther}), PreconditionOutcome::kProceed);
}

TEST(ReadPreconditions, IfModifiedSinceBeforeLastModifiedProceeds) {
  EXPECT_EQ(evaluate({.if_modified_since = kBefore}), PreconditionOutcome::kProceed);
}

TEST(ReadPreconditions, IfModifiedSinceAtOrAfterLastModifiedIsNotModified) {
  EXPECT_EQ(evaluate({.if_modified_since = kAtLastModified}), PreconditionOutcome::kNotModified);
  EXPECT_EQ(evaluate({.if_modified_since = kAfter}), PreconditionOutcome::kNotModified);
}

TEST(ReadPreconditions, IfUnmodifiedSinceAtOrAfterLastModifiedProceeds) {
  EXPECT_EQ(evaluate({.if_unmodified_since = kAtLastModified}), PreconditionOutcome::kProceed);
  EXPECT_EQ(evaluate({.if_unmodified_since = kAfter}), PreconditionOutcome::kProceed);
}

TEST(ReadPreconditions, IfUnmodifiedSinceBeforeLastModifiedFails) {
  EXPECT_EQ(evaluate({.if_unmodified_since = kBefore}), PreconditionOutcome::kPreconditionFailed);
}

TEST(ReadPreconditions, UnparsableDatesAreIgnored) {
  EXPECT_EQ(evaluate({.if_modified_since = "yesterday"}), PreconditionOutcome::kProceed);
  EXPECT_EQ(evaluate({.if_unmodified_since = "not a date"}), PreconditionOutcome::kProceed);
}

TEST(ReadPreconditions, IfModifiedSinceInTheFutureIsIgnored) {
  const int64_t now = std::time(nullptr);
  const std::string tomorrow = format_http_date(now + 86400);
  EXPECT_EQ(evaluate_read_preconditions({.if_modified_since = tomorrow}, kEtag, now - 60),
            PreconditionOutcome::kProceed);
  const std::string a_minute_ago = format_http_date(now - 60);
  EXPECT_EQ(evaluate_read_preconditions({.if_modified_since = a_minute_ago}, kEtag, now - 120),
            PreconditionOutcome::kNotModified);
}

TEST(ReadPreconditions, IfUnmodifiedSinceInTheFutureStillApplies) {
  const int64_t now = std::time(nullptr);
  EXPECT_EQ(evaluate_read_preconditions({.if_unmodified_since = format_http_date(now + 86400)},
                                        kEtag, now),
            PreconditionOutcome::kProceed);
}

TEST(ReadPreconditions, AcceptsEveryHttpDateForm) {
  EXPECT_EQ(evaluate({.if_modified_since = "Sunday, 06-Nov-94 08:49:37 GMT"}),
            PreconditionOutcome::kNotModified);
  EXPECT_EQ(evaluate({.if_modified_since = "Sun Nov  6 08:49:37 1994"}),
            PreconditionOutcome::kNotModified);
}

// --- S3's documented combinations ---

TEST(ReadPreconditions, IfMatchTrueOverridesIfUnmodifiedSinceFalse) {
  EXPECT_EQ(evaluate({.if_match = kMatching, .if_unmodified_since = kBefore}),
            PreconditionOutcome::kProceed);
}

TEST(ReadPreconditions, IfMatchFalseFailsEvenWithIfUnmodifiedSinceTrue) {
  EXPECT_EQ(evaluate({.if_match = kOther, .if_unmodified_since = kAfter}),
            PreconditionOutcome::kPreconditionFailed);
}

TEST(ReadPreconditions, IfNoneMatchFalseWithIfModifiedSinceTrueIsNotModified) {
  EXPECT_EQ(evaluate({.if_none_match = kMatching, .if_modified_since = kBefore}),
            PreconditionOutcome::kNotModified);
}

TEST(ReadPreconditions, IfNoneMatchTrueOverridesIfModifiedSinceFalse) {
  EXPECT_EQ(evaluate({.if_none_match = kOther, .if_modified_since = kAfter}),
            PreconditionOutcome::kProceed);
}

TEST(ReadPreconditions, FailedIfMatchTakesPrecedenceOverNotModified) {
  EXPECT_EQ(evaluate({.if_match = kOther, .if_none_match = kMatching}),
            PreconditionOutcome::kPreconditionFailed);
  EXPECT_EQ(evaluate({.if_modified_since = kAfter, .if_unmodified_since = kBefore}),
            PreconditionOutcome::kPreconditionFailed);
}

TEST(ReadPreconditions, PassingIfMatchThenIfNoneMatchDecides) {
  EXPECT_EQ(evaluate({.if_match = kMatching, .if_none_match = kMatching}),
            PreconditionOutcome::kNotModified);
  EXPECT_EQ(evaluate({.if_match = kMatching, .if_none_match = kOther}),
            PreconditionOutcome::kProceed);
}

TEST(ReadPreconditions, AllFourHeadersTrueProceed) {
  EXPECT_EQ(evaluate({.if_match = kMatching,
                      .if_none_match = kOther,
                      .if_modified_since = kBefore,
                      .if_unmodified_since = kAfter}),
            PreconditionOutcome::kProceed);
}

TEST(Preconditions, AnyReportsWhetherAHeaderIsPresent) {
  EXPECT_FALSE(Preconditions{}.any());
  EXPECT_TRUE(Preconditions{.if_modified_since = ""}.any());
}

}  // namespace
}  // namespace moss::s3
