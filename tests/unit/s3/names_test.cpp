#include "s3/names.h"

#include <gtest/gtest.h>

#include <string>

namespace moss::s3 {
namespace {

// --- bucket names ---

TEST(BucketName, AcceptsTypicalNames) {
  EXPECT_TRUE(is_valid_bucket_name("my-bucket"));
  EXPECT_TRUE(is_valid_bucket_name("docexamplebucket1"));
  EXPECT_TRUE(is_valid_bucket_name("log-delivery-march-2020"));
  EXPECT_TRUE(is_valid_bucket_name("my-hosted-content"));
  EXPECT_TRUE(is_valid_bucket_name("example.com"));
  EXPECT_TRUE(is_valid_bucket_name("www.example.com"));
  EXPECT_TRUE(is_valid_bucket_name("my.example.s3.bucket"));
  EXPECT_TRUE(is_valid_bucket_name("a--b"));
  EXPECT_TRUE(is_valid_bucket_name("123"));
}

TEST(BucketName, EnforcesLengthLimits) {
  EXPECT_FALSE(is_valid_bucket_name(""));
  EXPECT_FALSE(is_valid_bucket_name("ab"));
  EXPECT_TRUE(is_valid_bucket_name("abc"));
  EXPECT_TRUE(is_valid_bucket_name(std::string(63, 'a')));
  EXPECT_FALSE(is_valid_bucket_name(std::string(64, 'a')));
}

TEST(BucketName, RejectsCharactersOutsideLowercaseDigitsDotHyphen) {
  EXPECT_FALSE(is_valid_bucket_name("My-Bucket"));
  EXPECT_FALSE(is_valid_bucket_name("my_bucket"));
  EXPECT_FALSE(is_valid_bucket_name("my bucket"));
  EXPECT_FALSE(is_valid_bucket_name("my/bucket"));
  EXPECT_FALSE(is_valid_bucket_name("bucket!"));
  EXPECT_FALSE(is_valid_bucket_name("b\xc3\xa9t"));
  EXPECT_FALSE(is_valid_bucket_name(std::string_view("ab\0c", 4)));
}

TEST(BucketName, MustBeginAndEndWithLetterOrDigit) {
  EXPECT_FALSE(is_valid_bucket_name("-bucket"));
  EXPECT_FALSE(is_valid_bucket_name("bucket-"));
  EXPECT_FALSE(is_valid_bucket_name(".bucket"));
  EXPECT_FALSE(is_valid_bucket_name("bucket."));
}

TEST(BucketName, RejectsAdjacentPeriods) { EXPECT_FALSE(is_valid_bucket_name("my..bucket")); }

TEST(BucketName, RejectsHyphenNextToPeriod) {
  EXPECT_FALSE(is_valid_bucket_name("foo.-bar"));
  EXPECT_FALSE(is_valid_bucket_name("foo-.bar"));
}

TEST(BucketName, RejectsIpAddressFormat) {
  EXPECT_FALSE(is_valid_bucket_name("192.168.5.4"));
  EXPECT_FALSE(is_valid_bucket_name("1.2.3.4"));
  EXPECT_FALSE(is_valid_bucket_name("999.999.999.999"));
  EXPECT_TRUE(is_valid_bucket_name("192.168.5"));
  EXPECT_TRUE(is_valid_bucket_name("192.168.5.4.5"));
  EXPECT_TRUE(is_valid_bucket_name("192.168.5.4a"));
  EXPECT_TRUE(is_valid_bucket_name("1234.1.1.1"));
}

TEST(BucketName, RejectsReservedPrefixes) {
  EXPECT_FALSE(is_valid_bucket_name("xn--bucket"));
  EXPECT_FALSE(is_valid_bucket_name("sthree-bucket"));
  EXPECT_FALSE(is_valid_bucket_name("sthree-configurator"));
  EXPECT_FALSE(is_valid_bucket_name("amzn-s3-demo-bucket"));
  EXPECT_TRUE(is_valid_bucket_name("xn-bucket"));
  EXPECT_TRUE(is_valid_bucket_name("sthree"));
  EXPECT_TRUE(is_valid_bucket_name("amzn-s3-bucket"));
  EXPECT_TRUE(is_valid_bucket_name("my-xn--bucket"));
}

TEST(BucketName, RejectsReservedSuffixes) {
  EXPECT_FALSE(is_valid_bucket_name("bucket-s3alias"));
  EXPECT_FALSE(is_valid_bucket_name("bucket--ol-s3"));
  EXPECT_FALSE(is_valid_bucket_name("bucket.mrap"));
  EXPECT_FALSE(is_valid_bucket_name("bucket--x-s3"));
  EXPECT_FALSE(is_valid_bucket_name("bucket--table-s3"));
  EXPECT_TRUE(is_valid_bucket_name("bucket-s3alias-not"));
  EXPECT_TRUE(is_valid_bucket_name("bucket-x-s3"));
  EXPECT_TRUE(is_valid_bucket_name("bucket-ol-s3"));
  EXPECT_TRUE(is_valid_bucket_name("bucket-mrap"));
}

// --- object keys ---

TEST(ObjectKey, AcceptsOneTo1024Bytes) {
  EXPECT_FALSE(is_valid_object_key(""));
  EXPECT_TRUE(is_valid_object_key("a"));
  EXPECT_TRUE(is_valid_object_key(std::string(1024, 'k')));
  EXPECT_FALSE(is_valid_object_key(std::string(1025, 'k')));
}

TEST(ObjectKey, LengthCountsBytesNotCharacters) {
  std::string key;
  for (int i = 0; i < 341; ++i) key += "\xe2\x82\xac";  // 1023 bytes
  EXPECT_TRUE(is_valid_object_key(key + "x"));
  EXPECT_FALSE(is_valid_object_key(key + "\xc3\xa9"));  // 1025 bytes
}

TEST(ObjectKey, AcceptsPathLikeAndUnusualKeys) {
  EXPECT_TRUE(is_valid_object_key("photos/2024/cat.jpg"));
  EXPECT_TRUE(is_valid_object_key("../x"));
  EXPECT_TRUE(is_valid_object_key("/leading/slash"));
  EXPECT_TRUE(is_valid_object_key("a//b"));
  EXPECT_TRUE(is_valid_object_key("."));
  EXPECT_TRUE(is_valid_object_key("with space & symbols?#%"));
  EXPECT_TRUE(is_valid_object_key("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"));
  EXPECT_TRUE(is_valid_object_key("\xf0\x9f\x98\x80.png"));
}

TEST(ObjectKey, RejectsInvalidUtf8) {
  EXPECT_FALSE(is_valid_object_key("bad\xff"));
  EXPECT_FALSE(is_valid_object_key("\xc3"));
}

// --- UTF-8 ---

TEST(Utf8, AcceptsAsciiAndEveryEncodingLength) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain ascii"));
  EXPECT_TRUE(is_valid_utf8(std::string_view("\0", 1)));
  EXPECT_TRUE(is_valid_utf8("\xc2\x80"));          // U+0080
  EXPECT_TRUE(is_valid_utf8("\xdf\xbf"));          // U+07FF
  EXPECT_TRUE(is_valid_utf8("\xe0\xa0\x80"));      // U+0800
  EXPECT_TRUE(is_valid_utf8("\xed\x9f\xbf"));      // U+D7FF
  EXPECT_TRUE(is_valid_utf8("\xee\x80\x80"));      // U+E000
  EXPECT_TRUE(is_valid_utf8("\xef\xbf\xbf"));      // U+FFFF
  EXPECT_TRUE(is_valid_utf8("\xf0\x90\x80\x80"));  // U+10000
  EXPECT_TRUE(is_valid_utf8("\xf4\x8f\xbf\xbf"));  // U+10FFFF
}

TEST(Utf8, RejectsOverlongEncodings) {
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));  // '/'
  EXPECT_FALSE(is_valid_utf8("\xc1\xbf"));
  EXPECT_FALSE(is_valid_utf8("\xc0\x80"));  // modified-UTF-8 NUL
  EXPECT_FALSE(is_valid_utf8("\xe0\x80\xaf"));
  EXPECT_FALSE(is_valid_utf8("\xe0\x9f\xbf"));
  EXPECT_FALSE(is_valid_utf8("\xf0\x80\x80\xaf"));
  EXPECT_FALSE(is_valid_utf8("\xf0\x8f\xbf\xbf"));
}

TEST(Utf8, RejectsSurrogates) {
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));              // U+D800
  EXPECT_FALSE(is_valid_utf8("\xed\xbf\xbf"));              // U+DFFF
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\xbd\xed\xb8\x80"));  // CESU-8 pair
}

TEST(Utf8, RejectsCodePointsAboveU10FFFF) {
  EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // U+110000
  EXPECT_FALSE(is_valid_utf8("\xf5\x80\x80\x80"));
  EXPECT_FALSE(is_valid_utf8("\xf8\x88\x80\x80\x80"));
  EXPECT_FALSE(is_valid_utf8("\xff"));
  EXPECT_FALSE(is_valid_utf8("\xfe"));
}

TEST(Utf8, RejectsTruncatedAndStraySequences) {
  EXPECT_FALSE(is_valid_utf8("\x80"));  // lone continuation
  EXPECT_FALSE(is_valid_utf8("a\xbf"));
  EXPECT_FALSE(is_valid_utf8("\xe2\x82"));   // truncated at the end
  EXPECT_FALSE(is_valid_utf8("\xe2\x82z"));  // interrupted
  EXPECT_FALSE(is_valid_utf8("\xf0\x9f\x98"));
  EXPECT_FALSE(is_valid_utf8("\xc3\xc3\xa9"));
  EXPECT_FALSE(is_valid_utf8("\xe2\x28\xa1"));
}

}  // namespace
}  // namespace moss::s3
