// PayloadReader over an in-memory Exchange: the promises a client makes about
// a request body and what breaking each one throws. Plain bodies against
// x-amz-content-sha256 (matching, mismatching, read a few bytes at a time),
// aws-chunked signed bodies (good and bad chunk signatures, trailing bytes),
// x-amz-decoded-content-length mismatches both ways, an unsigned trailer
// carrying a checksum, and the read_all size cap.
#include "s3/payload/payload_reader.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "moss/signing/sigv4.h"
#include "moss/util/digest.h"
#include "s3/errors.h"
#include "s3/payload/checksum_headers.h"
#include "unit/support/memory_exchange.h"
#include "unit/support/s3_error_testing.h"

namespace moss::s3 {

namespace {

using ::moss::testing::MemoryExchange;
using ::moss::testing::run_to_completion;
namespace bhttp = boost::beast::http;

constexpr std::string_view kAmzDate = "20260101T000000Z";
constexpr std::string_view kReaderScope = "20260101/us-east-1/s3/aws4_request";
constexpr std::string_view kReaderSeed =
    "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";

signing::ChunkSigningContext signing_context() {
  return {signing::derive_signing_key("payload-test-secret", "20260101", "us-east-1", "s3"),
          std::string(kAmzDate), std::string(kReaderScope), std::string(kReaderSeed)};
}

// aws-chunked chunks signed in a chain from the seed, in wire order.
class SignedChunks {
 public:
  std::string chunk(std::string_view data) {
    previous_ = signing::sign(
        context_.key, signing::chunk_string_to_sign(kAmzDate, kReaderScope, previous_, sha256_hex(data)));
    char size[32];
    std::snprintf(size, sizeof size, "%zx", data.size());
    std::string out = std::string(size) + ";chunk-signature=" + previous_ + "\r\n";
    if (!data.empty()) out.append(data).append("\r\n");
    return out;
  }
  // Chunks of `payload` in pieces of `piece` bytes, then the final chunk.
  std::string body(std::string_view payload, size_t piece) {
    std::string out;
    for (size_t pos = 0; pos < payload.size(); pos += piece)
      out += chunk(payload.substr(pos, piece));
    out += chunk("");
    return out + "\r\n";
  }

 private:
  signing::ChunkSigningContext context_ = signing_context();
  std::string previous_{kReaderSeed};
};

RequestHead put_head(std::vector<std::pair<std::string, std::string>> headers = {}) {
  RequestHead head;
  head.method(bhttp::verb::put);
  head.target("/bucket/key");
  head.version(11);
  for (const auto& [name, value] : headers) head.set(name, value);
  return head;
}

AuthResult sha256_auth(std::string_view expected) {
  AuthResult auth;
  auth.payload = PayloadMode::kSha256;
  auth.payload_sha256 = std::string(expected);
  return auth;
}

AuthResult streaming_signed_auth() {
  AuthResult auth;
  auth.payload = PayloadMode::kStreamingSigned;
  auth.chunk_signing = signing_context();
  return auth;
}

struct ReadOutcome {
  std::string payload;
  std::optional<S3ErrorCode> error;
  std::vector<std::pair<std::string, std::string>> trailers;
};

// Reads the whole payload of `ex` as a handler would, in 4 KiB reads.
ReadOutcome read_payload(MemoryExchange& ex, const AuthResult& auth) {
  boost::asio::io_context io;
  ReadOutcome outcome;
  try {
    PayloadReader reader(ex, auth);
    run_to_completion(io, [&]() -> boost::asio::awaitable<void> {
      std::vector<uint8_t> buf(4096);
      while (size_t n = co_await reader.read(buf)) {
        outcome.payload.append(reinterpret_cast<const char*>(buf.data()), n);
      }
    }());
    outcome.trailers = reader.trailers();
  } catch (const S3Error& e) {
    outcome.error = e.code();
  }
  return outcome;
}

// --- Plain bodies and x-amz-content-sha256.

TEST(PayloadReaderTest, PlainBodyMatchingItsSha256IsReadWhole) {
  const std::string body = "the body of a small object";
  MemoryExchange ex(put_head(), body);
  auto outcome = read_payload(ex, sha256_auth(sha256_hex(body)));
  EXPECT_EQ(outcome.error, std::nullopt);
  EXPECT_EQ(outcome.payload, body);
}

TEST(PayloadReaderTest, PlainBodyNotMatchingItsSha256IsXAmzContentSHA256Mismatch) {
  MemoryExchange ex(put_head(), "the body actually sent");
  auto outcome = read_payload(ex, sha256_auth(sha256_hex("the body that was signed")));
  EXPECT_EQ(outcome.error, S3ErrorCode::kXAmzContentSHA256Mismatch);
}

TEST(PayloadReaderTest, BodyArrivingThreeBytesAtATimeIsReassembledAndVerified) {
  const std::string body = "arrives in many small reads";
  MemoryExchange ex(put_head(), body, 3);
  auto outcome = read_payload(ex, sha256_auth(sha256_hex(body)));
  EXPECT_EQ(outcome.error, std::nullopt);
  EXPECT_EQ(outcome.payload, body);
  EXPECT_GE(ex.read_calls(), 9);
}

TEST(PayloadReaderTest, UnsignedPayloadIsNotHashChecked) {
  MemoryExchange ex(put_head(), "anything at all");
  auto outcome = read_payload(ex, AuthResult{});
  EXPECT_EQ(outcome.error, std::nullopt);
  EXPECT_EQ(outcome.payload, "anything at all");
}

TEST(PayloadReaderTest, ReadAllPastItsLimitIsEntityTooLarge) {
  MemoryExchange ex(put_head(), std::string(100, 'x'));
  PayloadReader reader(ex, AuthResult{});
  boost::asio::io_context io;
  try {
    run_to_completion(io, reader.read_all(99));
    FAIL() << "read 100 bytes under a 99-byte limit";
  } catch (const S3Error& e) {
    EXPECT_EQ(e.code(), S3ErrorCode::kEntityTooLarge);
  }
}

// --- aws-chunked, signed.

TEST(PayloadReaderTest, SignedAwsChunkedBodyIsDecoded) {
  const std::string payload = "0123456789abcdefghijklmnopqrstuvwxyz";
  MemoryExchange ex(put_head({{"x-amz-decoded-content-length", std::to_string(payload.size())}}),
                    SignedChunks().body(payload, 10));
  auto outcome = read_payload(ex, streaming_signed_auth());
  EXPECT_EQ(outcome.error, std::nullopt);
  EXPECT_EQ(outcome.payload, payload);
}

TEST(PayloadReaderTest, SignedAwsChunkedBodyReadOneByteAtATimeIsDecoded) {
  const std::string payload = "split across every possible boundary";
  MemoryExchange ex(put_head({{"x-amz-decoded-content-length", std::to_string(payload.size())}}),
                    SignedChunks().body(payload, 7), 1);
  auto outcome = read_payload(ex, streaming_signed_auth());
  EXPECT_EQ(outcome.error, std::nullopt);
  EXPECT_EQ(outcome.payload, payload);
}

TEST(PayloadReaderTest, ChunkWithABadSignatureIsSignatureDoesNotMatch) {
  const std::string payload = "0123456789abcdefghij";
  std::string body = SignedChunks().body(payload, 10);
  // Flip one hex digit of the second chunk's signature.
  auto second = body.find("chunk-signature=", body.find("chunk-signature=") + 1);
  auto& digit = body[second + std::string_view("chunk-signature=").size()];
  digit = digit == '0' ? '1' : '0';
  MemoryExchange ex(put_head({{"x-amz-decoded-content-length", "20"}}), body);
  EXPECT_EQ(read_payload(ex, streaming_signed_auth()).error, S3ErrorCode::kSignatureDoesNotMatch);
}

TEST(PayloadReaderTest, ChunkWhoseDataWasAlteredIsSignatureDoesNotMatch) {
  std::string body = SignedChunks().body("0123456789", 10);
  body[body.find("0123456789")] = 'X';
  MemoryExchange ex(put_head({{"x-amz-decoded-content-length", "10"}}), body);
  EXPECT_EQ(read_payload(ex, streaming_signed_auth()).error, S3ErrorCode::kSignatureDoesNotMatch);
}

TEST(PayloadReaderTest, PayloadLongerThanDecodedContentLengthIsIncompleteBody) {
  MemoryExchange ex(put_head({{"x-amz-decoded-content-length", "5"}}),
                    SignedChunks().body("0123456789", 10));
  EXPECT_EQ(read_payload(ex, streaming_signed_auth()).error, S3ErrorCode::kIncompleteBody);
}

TEST(PayloadReaderTest, PayloadShorterThanDecodedContentLengthIsIncompleteBody) {
  MemoryExchange ex(put_head({{"x-amz-decoded-content-length", "11"}}),
                    SignedChunks().body("0123456789", 10));
  EXPECT_EQ(read_payload(ex, streaming_signed_auth()).error, S3ErrorCode::kIncompleteBody);
}

TEST(PayloadReaderTest, SignedStreamingWithoutDecodedContentLengthIsMissingContentLength) {
  MemoryExchange ex(put_head(), SignedChunks().body("0123456789", 10));
  EXPECT_EQ(read_payload(ex, streaming_signed_auth()).error, S3ErrorCode::kMissingContentLength);
}

TEST(PayloadReaderTest, BytesAfterTheFinalChunkAreIncompleteBody) {
  MemoryExchange ex(put_head({{"x-amz-decoded-content-length", "10"}}),
                    SignedChunks().body("0123456789", 10) + "extra");
  EXPECT_EQ(read_payload(ex, streaming_signed_auth()).error, S3ErrorCode::kIncompleteBody);
}

TEST(PayloadReaderTest, BodyEndingInsideTheChunkEncodingIsIncompleteBody) {
  std::string body = SignedChunks().body("0123456789", 10);
  body.resize(body.size() / 2);
  MemoryExchange ex(put_head({{"x-amz-decoded-content-length", "10"}}), body);
  EXPECT_EQ(read_payload(ex, streaming_signed_auth()).error, S3ErrorCode::kIncompleteBody);
}

// --- An unsigned trailer with a checksum.

// CRC32("hello") = 0x3610a686, base64 of its big-endian bytes.
constexpr std::string_view kHelloCrc32 = "NhCmhg==";

MemoryExchange unsigned_trailer_exchange(std::string_view checksum) {
  std::string body =
      "5\r\nhello\r\n0\r\nx-amz-checksum-crc32:" + std::string(checksum) + "\r\n\r\n";
  return MemoryExchange(put_head({{"content-encoding", "aws-chunked"},
                                  {"x-amz-trailer", "x-amz-checksum-crc32"},
                                  {"x-amz-decoded-content-length", "5"}}),
                        body);
}

AuthResult unsigned_trailer_auth() {
  AuthResult auth;
  auth.payload = PayloadMode::kStreamingUnsignedTrailer;
  return auth;
}

TEST(PayloadReaderTest, UnsignedTrailerIsDecodedAndItsChecksumExposed) {
  auto ex = unsigned_trailer_exchange(kHelloCrc32);
  auto outcome = read_payload(ex, unsigned_trailer_auth());
  EXPECT_EQ(outcome.error, std::nullopt);
  EXPECT_EQ(outcome.payload, "hello");
  ASSERT_EQ(outcome.trailers.size(), 1u);
  EXPECT_EQ(outcome.trailers[0].first, "x-amz-checksum-crc32");
  EXPECT_EQ(outcome.trailers[0].second, kHelloCrc32);
}

TEST(PayloadReaderTest, TrailerChecksumMatchingThePayloadVerifies) {
  auto ex = unsigned_trailer_exchange(kHelloCrc32);
  auto outcome = read_payload(ex, unsigned_trailer_auth());
  auto request = parse_checksum_request(ex.request());
  ASSERT_EQ(request.trailer_name, "x-amz-checksum-crc32");
  auto verified = verify_checksums(
      request, digest(DigestAlgorithm::kMd5, outcome.payload),
      {{DigestAlgorithm::kCrc32, digest(DigestAlgorithm::kCrc32, outcome.payload)}},
      outcome.trailers);
  EXPECT_EQ(verified.algorithm, "CRC32");
  EXPECT_EQ(verified.base64, kHelloCrc32);
}

TEST(PayloadReaderTest, TrailerChecksumNotMatchingThePayloadIsBadDigest) {
  auto ex = unsigned_trailer_exchange("AAAAAA==");
  auto outcome = read_payload(ex, unsigned_trailer_auth());
  ASSERT_EQ(outcome.error, std::nullopt);
  auto request = parse_checksum_request(ex.request());
  try {
    verify_checksums(request, digest(DigestAlgorithm::kMd5, outcome.payload),
                     {{DigestAlgorithm::kCrc32, digest(DigestAlgorithm::kCrc32, outcome.payload)}},
                     outcome.trailers);
    FAIL() << "a wrong trailer checksum verified";
  } catch (const S3Error& e) {
    EXPECT_EQ(e.code(), S3ErrorCode::kBadDigest);
  }
}

}  // namespace
}  // namespace moss::s3
