// chunk_line_has_quote: only the chunk-size line the parser waits on counts.
#include "http/chunk_line_guard.h"

#include <gtest/gtest.h>

namespace moss::http {
namespace {

TEST(ChunkLineGuard, PlainChunkLinesPass) {
  EXPECT_FALSE(chunk_line_has_quote(""));
  EXPECT_FALSE(chunk_line_has_quote("5\r\nhello\r\n"));
  EXPECT_FALSE(chunk_line_has_quote("5;name=value\r\nhe"));
  EXPECT_FALSE(chunk_line_has_quote("\r\n10;chunk-signature=abc"));
}

TEST(ChunkLineGuard, AQuoteInTheLineIsRefusedCompleteOrNot) {
  EXPECT_TRUE(chunk_line_has_quote("5;a=\"x"));
  EXPECT_TRUE(chunk_line_has_quote("5;a=\"x\"\r\nhello"));
  EXPECT_TRUE(chunk_line_has_quote("\r\n5;a=\"x\r\nhello\r\n"));
}

TEST(ChunkLineGuard, QuotesBeyondTheLineAreNotItsBusiness) {
  // Chunk data and trailer fields after the line may hold anything.
  EXPECT_FALSE(chunk_line_has_quote("5\r\n\"quo\"\r\n"));
  EXPECT_FALSE(chunk_line_has_quote("0\r\nx-note: \"q\"\r\n"));
}

}  // namespace
}  // namespace moss::http
