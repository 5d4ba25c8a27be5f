#include "moss/util/logging.h"

#include <gtest/gtest.h>

#include <string>

namespace moss {
namespace {

TEST(JsonEscape, WritesOtherControlCharactersAsLowercaseUnicodeEscapes) {
  EXPECT_EQ(json_escape(std::string("a\x01z\x1f", 4)), "a\\u0001z\\u001f");
  EXPECT_EQ(json_escape(std::string("\x1b[0m")), "\\u001b[0m");
}

TEST(JsonEscape, EscapesQuotesBackslashesAndCommonControls) {
  EXPECT_EQ(json_escape("\"\\\n\r\t"), "\\\"\\\\\\n\\r\\t");
}

TEST(JsonEscape, LeavesOtherBytesAlone) {
  EXPECT_EQ(json_escape("caf\xc3\xa9 ok"), "caf\xc3\xa9 ok");
}

}  // namespace
}  // namespace moss
