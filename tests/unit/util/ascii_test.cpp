#include "moss/util/ascii.h"

#include <gtest/gtest.h>

#include <cctype>

namespace moss {
namespace {

TEST(Ascii, ClassifiesLikeTheCLocale) {
  for (int i = 0; i < 256; ++i) {
    const char c = static_cast<char>(i);
    const bool in_ascii = i < 128;
    EXPECT_EQ(is_ascii_digit(c), in_ascii && std::isdigit(i) != 0) << i;
    EXPECT_EQ(is_ascii_alpha(c), in_ascii && std::isalpha(i) != 0) << i;
    EXPECT_EQ(is_ascii_alnum(c), in_ascii && std::isalnum(i) != 0) << i;
    EXPECT_EQ(is_ascii_lower(c), in_ascii && std::islower(i) != 0) << i;
    EXPECT_EQ(is_ascii_upper(c), in_ascii && std::isupper(i) != 0) << i;
    EXPECT_EQ(is_ascii_space(c), in_ascii && std::isspace(i) != 0) << i;
    EXPECT_EQ(ascii_lower(c), in_ascii ? static_cast<char>(std::tolower(i)) : c) << i;
    EXPECT_EQ(ascii_upper(c), in_ascii ? static_cast<char>(std::toupper(i)) : c) << i;
  }
}

TEST(Ascii, OptionalWhitespaceIsSpaceAndTab) {
  EXPECT_TRUE(is_ows(' '));
  EXPECT_TRUE(is_ows('\t'));
  EXPECT_FALSE(is_ows('\n'));
  EXPECT_FALSE(is_ows('\r'));
  EXPECT_EQ(trim_ows(" \t a b \t "), "a b");
  EXPECT_EQ(trim_ows("\na\n"), "\na\n");
  EXPECT_EQ(trim_ows(" \t"), "");
}

TEST(Ascii, TrimSpaceTakesEveryCSpace) {
  EXPECT_EQ(trim_ascii_space("\r\n\t\v\f x y \n"), "x y");
  EXPECT_EQ(trim_ascii_space(""), "");
  EXPECT_EQ(trim_ascii_space("  "), "");
}

TEST(Ascii, LowercaseFoldsOnlyAsciiLetters) {
  EXPECT_EQ(ascii_lowercase("X-Amz-Checksum-CRC32C"), "x-amz-checksum-crc32c");
  EXPECT_EQ(ascii_lowercase("\xC3\x89t\xC3\xA9"), "\xC3\x89t\xC3\xA9");
  EXPECT_EQ(ascii_lowercase(""), "");
}

TEST(Ascii, CaseInsensitiveEquality) {
  EXPECT_TRUE(ascii_iequals("Content-Type", "content-TYPE"));
  EXPECT_TRUE(ascii_iequals("", ""));
  EXPECT_FALSE(ascii_iequals("host", "hosts"));
  EXPECT_FALSE(ascii_iequals("a-b", "a_b"));
  EXPECT_FALSE(ascii_iequals("\xC3\xA9", "\xC3\x89"));
  static_assert(ascii_iequals("SHA256", "sha256"));
}

TEST(Ascii, CaseInsensitiveSuffix) {
  EXPECT_TRUE(ascii_iends_with("models/Llama.GGUF", ".gguf"));
  EXPECT_TRUE(ascii_iends_with(".gguf", ".gguf"));
  EXPECT_FALSE(ascii_iends_with("gguf", ".gguf"));
  EXPECT_FALSE(ascii_iends_with("model.gguf.part", ".gguf"));
}

TEST(Ascii, ControlCharactersOfAFieldValueAreAllButTabAndIncludeDel) {
  for (int i = 0; i < 256; ++i) {
    const bool control = (i < 0x20 && i != '\t') || i == 0x7f;
    EXPECT_EQ(has_control_character(std::string(1, static_cast<char>(i))), control) << i;
  }
  EXPECT_TRUE(has_control_character("value\r\nSet-Cookie: x=1"));
  EXPECT_TRUE(has_control_character(std::string_view("a\0b", 3)));
  EXPECT_FALSE(has_control_character("text/plain;\tcharset=utf-8"));
  EXPECT_FALSE(has_control_character("caf\xC3\xA9"));
  EXPECT_FALSE(has_control_character(""));
}

TEST(Ascii, AControlCharacterIsFoundAtEveryPositionOfALongValue) {
  // Long values are checked a word at a time: every offset in and around a
  // word, beside tabs (which may trigger the word test) and high bytes.
  const std::string clean = "llama\t3 \xC3\xA9\x80\xFF ~ Q4_K_M.gguf;\tq=1 \x7e\x20";
  ASSERT_FALSE(has_control_character(clean));
  for (char control : {'\0', '\n', '\r', '\x1f', '\x7f', '\x01'}) {
    for (size_t at = 0; at <= clean.size(); ++at) {
      std::string value = clean;
      value.insert(at, 1, control);
      EXPECT_TRUE(has_control_character(value)) << at << " " << static_cast<int>(control);
    }
  }
  EXPECT_FALSE(has_control_character(std::string(40, '\t')));
  EXPECT_FALSE(has_control_character(std::string(40, ' ')));
  EXPECT_FALSE(has_control_character(std::string(40, '\x80')));
}

TEST(Ascii, DigitsAreANonEmptyRunOfZeroToNine) {
  EXPECT_TRUE(is_ascii_digits("0123456789"));
  EXPECT_FALSE(is_ascii_digits(""));
  EXPECT_FALSE(is_ascii_digits("12a"));
  EXPECT_FALSE(is_ascii_digits("-1"));
  EXPECT_FALSE(is_ascii_digits(" 1"));
}

}  // namespace
}  // namespace moss
