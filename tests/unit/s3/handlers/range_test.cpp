#include "s3/handlers/range.h"

#include <gtest/gtest.h>

namespace moss::s3 {
namespace {

void expect_partial(const RangeDecision& d, uint64_t first, uint64_t last) {
  ASSERT_EQ(d.kind, RangeDecision::kPartial);
  EXPECT_EQ(d.range.first, first);
  EXPECT_EQ(d.range.last, last);
}

void expect_whole(const RangeDecision& d) { EXPECT_EQ(d.kind, RangeDecision::kWholeObject); }

void expect_unsatisfiable(const RangeDecision& d) {
  EXPECT_EQ(d.kind, RangeDecision::kUnsatisfiable);
}

TEST(Range, NoHeaderReturnsWholeObject) {
  expect_whole(evaluate_range("", 100));
  expect_whole(evaluate_range("", 0));
}

TEST(Range, GetWithClosedRangeReturnsThoseBytes) {
  const auto d = evaluate_range("bytes=0-9", 100);
  expect_partial(d, 0, 9);
  EXPECT_EQ(d.range.length(), 10u);
  expect_partial(evaluate_range("bytes=10-19", 100), 10, 19);
  expect_partial(evaluate_range("bytes=99-99", 100), 99, 99);
}

TEST(Range, GetWithSingleByteRangeReturnsOneByte) {
  const auto d = evaluate_range("bytes=0-0", 1);
  expect_partial(d, 0, 0);
  EXPECT_EQ(d.range.length(), 1u);
}

TEST(Range, GetWithOpenRangeReturnsRestOfObject) {
  expect_partial(evaluate_range("bytes=5-", 100), 5, 99);
  expect_partial(evaluate_range("bytes=0-", 100), 0, 99);
  expect_partial(evaluate_range("bytes=99-", 100), 99, 99);
}

TEST(Range, GetWithSuffixRangeReturnsLastBytes) {
  const auto d = evaluate_range("bytes=-3", 100);
  expect_partial(d, 97, 99);
  EXPECT_EQ(d.range.length(), 3u);
}

TEST(Range, SuffixLongerThanObjectReturnsWholeObjectAsPartial) {
  expect_partial(evaluate_range("bytes=-100", 100), 0, 99);
  expect_partial(evaluate_range("bytes=-500", 100), 0, 99);
}

TEST(Range, ZeroLengthSuffixIsUnsatisfiable) {
  expect_unsatisfiable(evaluate_range("bytes=-0", 100));
  expect_unsatisfiable(evaluate_range("bytes=-00", 100));
}

TEST(Range, LastBytePastEndIsClamped) {
  expect_partial(evaluate_range("bytes=90-200", 100), 90, 99);
  expect_partial(evaluate_range("bytes=0-99999999999999999999999", 100), 0, 99);
}

TEST(Range, FirstBytePastEndIsUnsatisfiable) {
  expect_unsatisfiable(evaluate_range("bytes=100-", 100));
  expect_unsatisfiable(evaluate_range("bytes=100-200", 100));
  expect_unsatisfiable(evaluate_range("bytes=500-600", 100));
  expect_unsatisfiable(evaluate_range("bytes=99999999999999999999999-", 100));
}

TEST(Range, FirstAfterLastIsIgnored) {
  expect_whole(evaluate_range("bytes=9-0", 100));
  expect_whole(evaluate_range("bytes=1-0", 4));
  // Syntax is judged before the object size: S3 serves "bytes=3-0" of a 4-byte object
  // whole, and so does a start beyond the end when the range is backwards.
  expect_whole(evaluate_range("bytes=3-0", 4));
  expect_whole(evaluate_range("bytes=500-400", 100));
}

TEST(Range, EmptyObjectWithFirstByteRangeIsUnsatisfiable) {
  expect_unsatisfiable(evaluate_range("bytes=0-", 0));
  expect_unsatisfiable(evaluate_range("bytes=0-0", 0));
  expect_unsatisfiable(evaluate_range("bytes=0-9", 0));
  expect_unsatisfiable(evaluate_range("bytes=5-", 0));
}

TEST(Range, EmptyObjectWithSuffixRangeReturnsWholeEmptyObject) {
  // AWS S3 answers 200 with an empty body here (tail readers such as Trino and
  // arrow-rs object_store depend on it); "-0" is still 416.
  expect_whole(evaluate_range("bytes=-1", 0));
  expect_whole(evaluate_range("bytes=-512", 0));
  expect_unsatisfiable(evaluate_range("bytes=-0", 0));
}

TEST(Range, MultipleRangesReturnWholeObject) {
  expect_whole(evaluate_range("bytes=0-1,3-4", 100));
  expect_whole(evaluate_range("bytes=0-1, 3-4", 100));
  expect_whole(evaluate_range("bytes=-1,-2", 100));
  // Even when one of them could not be satisfied.
  expect_whole(evaluate_range("bytes=0-1,500-600", 100));
}

TEST(Range, EmptyListElementsAreSkipped) {
  expect_partial(evaluate_range("bytes=0-9,", 100), 0, 9);
  expect_partial(evaluate_range("bytes=, 0-9", 100), 0, 9);
  expect_whole(evaluate_range("bytes=,", 100));
}

TEST(Range, OtherUnitsReturnWholeObject) {
  expect_whole(evaluate_range("items=0-9", 100));
  expect_whole(evaluate_range("byte=0-9", 100));
  expect_whole(evaluate_range("bytes0-9", 100));
}

TEST(Range, UnitIsCaseInsensitive) {
  expect_partial(evaluate_range("Bytes=0-9", 100), 0, 9);
  expect_partial(evaluate_range("BYTES=0-9", 100), 0, 9);
}

TEST(Range, WhitespaceAroundTokensIsTolerated) {
  expect_partial(evaluate_range("  bytes=0-9  ", 100), 0, 9);
  expect_partial(evaluate_range("bytes = 0-9", 100), 0, 9);
  expect_partial(evaluate_range("bytes=\t-3", 100), 97, 99);
}

TEST(Range, MalformedSpecsReturnWholeObject) {
  expect_whole(evaluate_range("bytes=", 100));
  expect_whole(evaluate_range("bytes=-", 100));
  expect_whole(evaluate_range("bytes=abc", 100));
  expect_whole(evaluate_range("bytes=5", 100));
  expect_whole(evaluate_range("bytes=a-9", 100));
  expect_whole(evaluate_range("bytes=0-9x", 100));
  expect_whole(evaluate_range("bytes=0 - 9", 100));
  expect_whole(evaluate_range("bytes=+1-9", 100));
  expect_whole(evaluate_range("bytes=-+3", 100));
  expect_whole(evaluate_range("bytes=--3", 100));
  expect_whole(evaluate_range("bytes=0-9-", 100));
  expect_whole(evaluate_range("bytes=0x10-20", 100));
}

TEST(Range, HandlesObjectsBeyondFourGigabytes) {
  const uint64_t size = uint64_t{5} << 40;
  expect_partial(evaluate_range("bytes=4398046511104-", size), 4398046511104, size - 1);
  expect_unsatisfiable(evaluate_range("bytes=5497558138880-", size));
  expect_partial(evaluate_range("bytes=-1", size), size - 1, size - 1);
  expect_partial(evaluate_range("bytes=4294967296-4294967305", size), 4294967296, 4294967305);
}

TEST(Range, LeadingZerosAreDecimal) {
  expect_partial(evaluate_range("bytes=010-019", 100), 10, 19);
}

}  // namespace
}  // namespace moss::s3
