#include "moss/util/etag.h"

#include <gtest/gtest.h>

namespace moss {
namespace {

TEST(UnquoteEtag, RemovesSurroundingQuotes) {
  EXPECT_EQ(unquote_etag("\"9b2cf535f27731c9\""), "9b2cf535f27731c9");
  EXPECT_EQ(unquote_etag("\"abc-3\""), "abc-3");
  EXPECT_EQ(unquote_etag("\"\""), "");
}

TEST(UnquoteEtag, LeavesAnythingElseAsItIs) {
  EXPECT_EQ(unquote_etag("9b2cf535"), "9b2cf535");
  EXPECT_EQ(unquote_etag("\""), "\"");
  EXPECT_EQ(unquote_etag("\"abc"), "\"abc");
  EXPECT_EQ(unquote_etag(" \"abc\" "), " \"abc\" ");
  EXPECT_EQ(unquote_etag("W/\"abc\""), "W/\"abc\"");
}

TEST(OpaqueEtag, DropsTheWeakPrefixAndQuotes) {
  EXPECT_EQ(opaque_etag("W/\"abc\""), "abc");
  EXPECT_EQ(opaque_etag("\"abc\""), "abc");
  EXPECT_EQ(opaque_etag("W/abc"), "abc");
  EXPECT_EQ(opaque_etag("abc"), "abc");
}

}  // namespace
}  // namespace moss
