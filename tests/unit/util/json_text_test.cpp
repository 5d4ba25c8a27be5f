#include "moss/util/json_text.h"

#include <gtest/gtest.h>

#include <string>

namespace moss {
namespace {

TEST(IsPlainJsonText, AcceptsPrintableAsciiWithoutQuoteOrBackslash) {
  EXPECT_TRUE(is_plain_json_text(""));
  EXPECT_TRUE(is_plain_json_text("models/llama/tags/prod"));
  EXPECT_TRUE(is_plain_json_text("2026-12-07T03:14:15.926535897Z and a few more words ~"));
  EXPECT_TRUE(is_plain_json_text(std::string(1000, 'a') + "\x7f"));  // DEL needs no escape
}

// Every byte that is not plain, at every offset of a text long enough for
// several eight-byte words and a tail, and a plain byte at every offset
// beside it: the word-at-a-time test must agree with the byte-by-byte one.
TEST(IsPlainJsonText, FindsEveryNonPlainByteAtEveryOffset) {
  for (int value = 0; value < 256; ++value) {
    const auto c = static_cast<char>(value);
    const bool plain = value >= 0x20 && value < 0x80 && c != '"' && c != '\\';
    for (size_t length : {1, 7, 8, 9, 15, 16, 17, 31}) {
      for (size_t at = 0; at < length; ++at) {
        std::string text(length, 'k');
        text[at] = c;
        ASSERT_EQ(is_plain_json_text(text), plain)
            << "byte " << value << " at " << at << " of " << length;
      }
    }
  }
}

TEST(IsPlainJsonText, IsNotFooledByNeighbouringBytes) {
  // Bytes just above the limits, next to each other (a borrow from one byte
  // into the next is what a word-at-a-time test could get wrong).
  EXPECT_TRUE(is_plain_json_text("\x20\x21\x23\x5b\x5d\x7f\x20\x21\x23\x5b\x5d\x7f"));
  EXPECT_FALSE(is_plain_json_text("\x20\x21\x23\x5b\x5d\x7f\x20\x1f\x23\x5b\x5d\x7f"));
  EXPECT_FALSE(is_plain_json_text(std::string("abcdefg\0abcdefgh", 16)));
}

}  // namespace
}  // namespace moss
