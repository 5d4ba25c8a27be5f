// aws-chunked decoding. The signed vectors are the AWS S3 API reference examples
// ("Transferring Payload in Multiple Chunks" and "Including Trailing Headers":
// 64 KiB + 1 KiB of 'a', 20130524T000000Z, us-east-1). Bodies for the other cases
// are signed here with OpenSSL directly, independently of the code under test.
// The unsigned-trailer bodies are the ones aws-sdk-go-v2 and aws-sdk-rust expect
// their encoders to produce.
#include "s3/payload/aws_chunked_decoder.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace moss::s3 {

using namespace ::moss::signing;
namespace {

constexpr std::string_view kDate = "20130524T000000Z";
constexpr std::string_view kScope = "20130524/us-east-1/s3/aws4_request";
constexpr std::string_view kSeed =
    "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";
constexpr std::string_view kTrailerSeed =
    "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e";

SigningKey example_key() {
  return derive_signing_key("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "20130524", "us-east-1",
                            "s3");
}

ChunkSigningContext example_context(std::string_view seed = kSeed) {
  return ChunkSigningContext{example_key(), std::string(kDate), std::string(kScope),
                             std::string(seed)};
}

// The documented chunked upload: three chunks, the last one empty.
std::string example_body() {
  return "10000;chunk-signature="
         "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n" +
         std::string(65536, 'a') +
         "\r\n400;chunk-signature="
         "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n" +
         std::string(1024, 'a') +
         "\r\n0;chunk-signature="
         "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n\r\n";
}

// The documented upload with a CRC32C trailer.
std::string example_trailer_body() {
  return "10000;chunk-signature="
         "b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2\r\n" +
         std::string(65536, 'a') +
         "\r\n400;chunk-signature="
         "1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7\r\n" +
         std::string(1024, 'a') +
         "\r\n0;chunk-signature="
         "2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992\r\n"
         "x-amz-checksum-crc32c:sOO8/Q==\r\n"
         "x-amz-trailer-signature:"
         "d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435\r\n"
         "\r\n";
}

// --- Independent signer (OpenSSL only) -----------------------------------------

std::string hex(const unsigned char* data, size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < size; ++i) {
    out += kDigits[data[i] >> 4];
    out += kDigits[data[i] & 0xf];
  }
  return out;
}

std::string openssl_sha256_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(data.data(), data.size(), digest, &size, EVP_sha256(), nullptr);
  return hex(digest, size);
}

std::string openssl_hmac_hex(const SigningKey& key, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &size);
  return hex(mac, size);
}

// Stateful (each signature chains on the last): call it in wire order, one
// statement at a time, since the operands of '+' are unsequenced.
class SignedBodyBuilder {
 public:
  explicit SignedBodyBuilder(std::string_view seed) : previous_(seed) {}

  // A data chunk (its closing CRLF included) or, for empty data, the final
  // chunk's header line.
  std::string chunk(std::string_view data) {
    std::string sts = "AWS4-HMAC-SHA256-PAYLOAD\n" + std::string(kDate) + "\n" +
                      std::string(kScope) + "\n" + previous_ + "\n" + openssl_sha256_hex("") +
                      "\n" + openssl_sha256_hex(data);
    previous_ = openssl_hmac_hex(key_, sts);
    char size[32];
    std::snprintf(size, sizeof size, "%zx", data.size());
    std::string out = std::string(size) + ";chunk-signature=" + previous_ + "\r\n";
    if (!data.empty()) out.append(data).append("\r\n");
    return out;
  }

  // Trailer lines as sent, then the signature over "name:value\n" of each.
  std::string trailers(const std::vector<std::pair<std::string, std::string>>& fields) {
    std::string wire;
    std::string canonical;
    for (const auto& [name, value] : fields) {
      wire += name + ":" + value + "\r\n";
      canonical += name + ":" + value + "\n";
    }
    std::string sts = "AWS4-HMAC-SHA256-TRAILER\n" + std::string(kDate) + "\n" +
                      std::string(kScope) + "\n" + previous_ + "\n" + openssl_sha256_hex(canonical);
    return wire + "x-amz-trailer-signature:" + openssl_hmac_hex(key_, sts) + "\r\n";
  }

 private:
  SigningKey key_ = example_key();
  std::string previous_;
};

// --- Feeding helpers ------------------------------------------------------------

std::span<const uint8_t> bytes(std::string_view text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

struct Outcome {
  std::string payload;
  ChunkedError error = ChunkedError::kNone;
  bool finished = false;
  size_t unconsumed = 0;  // bytes the decoder left for "more input"
};

// Feeds `body` in pieces of `piece` bytes the way a connection would: whatever
// the decoder did not consume is presented again in front of the next piece.
Outcome feed(AwsChunkedDecoder& decoder, std::string_view body, size_t piece,
             size_t out_size = 70000) {
  Outcome outcome;
  std::string pending;
  std::vector<uint8_t> out(out_size);
  for (size_t pos = 0; pos < body.size(); pos += piece) {
    pending.append(body.substr(pos, piece));
    while (!pending.empty()) {
      AwsChunkedDecoder::Step step = decoder.decode(bytes(pending), out);
      outcome.payload.append(reinterpret_cast<const char*>(out.data()), step.produced);
      pending.erase(0, step.consumed);
      if (step.error != ChunkedError::kNone) {
        outcome.error = step.error;
        outcome.unconsumed = pending.size();
        return outcome;
      }
      if (step.consumed == 0) break;
    }
  }
  outcome.finished = decoder.finished();
  outcome.unconsumed = pending.size();
  return outcome;
}

Outcome feed_whole(AwsChunkedDecoder& decoder, std::string_view body) {
  return feed(decoder, body, body.empty() ? 1 : body.size());
}

Outcome decode_unsigned(std::string_view body, bool trailer, size_t piece = 0) {
  AwsChunkedDecoder decoder(std::nullopt, trailer);
  return piece == 0 ? feed_whole(decoder, body) : feed(decoder, body, piece);
}

Outcome decode_signed(std::string_view body, bool trailer, std::string_view seed = kSeed,
                      size_t piece = 0) {
  AwsChunkedDecoder decoder(example_context(seed), trailer);
  return piece == 0 ? feed_whole(decoder, body) : feed(decoder, body, piece);
}

using Trailers = std::vector<std::pair<std::string, std::string>>;

// --- The documented examples ----------------------------------------------------

TEST(AwsChunkedDecoder, ExampleBodyHasTheDocumentedContentLength) {
  EXPECT_EQ(example_body().size(), 66824u);
}

TEST(AwsChunkedDecoder, DecodesTheSignedExampleFedWhole) {
  AwsChunkedDecoder decoder(example_context(), false);
  Outcome o = feed_whole(decoder, example_body());
  EXPECT_EQ(o.error, ChunkedError::kNone);
  EXPECT_TRUE(o.finished);
  EXPECT_EQ(o.unconsumed, 0u);
  EXPECT_EQ(o.payload, std::string(66560, 'a'));
  EXPECT_EQ(decoder.decoded_size(), 66560u);
  EXPECT_TRUE(decoder.trailers().empty());
}

TEST(AwsChunkedDecoder, DecodesTheSignedExampleFedOneByteAtATime) {
  Outcome o = decode_signed(example_body(), false, kSeed, 1);
  EXPECT_EQ(o.error, ChunkedError::kNone);
  EXPECT_TRUE(o.finished);
  EXPECT_EQ(o.payload, std::string(66560, 'a'));
}

TEST(AwsChunkedDecoder, DecodesTheSignedExampleInAwkwardPiecesAndSmallOutput) {
  for (size_t piece : {2u, 3u, 7u, 85u, 86u, 87u, 4096u, 65537u}) {
    AwsChunkedDecoder decoder(example_context(), false);
    Outcome o = feed(decoder, example_body(), piece, /*out_size=*/1000);
    EXPECT_EQ(o.error, ChunkedError::kNone) << piece;
    EXPECT_TRUE(o.finished) << piece;
    EXPECT_EQ(o.payload, std::string(66560, 'a')) << piece;
  }
}

TEST(AwsChunkedDecoder, DecodesInPlaceInOneCall) {
  std::string body = example_body();
  std::vector<uint8_t> buffer(body.begin(), body.end());
  AwsChunkedDecoder decoder(example_context(), false);
  AwsChunkedDecoder::Step step = decoder.decode(buffer, buffer);
  EXPECT_EQ(step.error, ChunkedError::kNone);
  EXPECT_EQ(step.consumed, buffer.size());
  ASSERT_EQ(step.produced, 66560u);
  EXPECT_EQ(std::string(buffer.begin(), buffer.begin() + 66560), std::string(66560, 'a'));
  EXPECT_TRUE(decoder.finished());
}

// The way a connection uses it: one fixed buffer, payload decoded over the
// framing it came in, the unconsumed tail moved to the front before reading on.
TEST(AwsChunkedDecoder, DecodesInPlaceThroughAFixedBuffer) {
  SignedBodyBuilder builder(kSeed);
  std::string data;
  for (int i = 0; i < 9000; ++i) data += static_cast<char>('0' + i % 43);
  std::string body = builder.chunk(data.substr(0, 8192));
  body += builder.chunk(data.substr(8192));
  body += builder.chunk("") + "\r\n";

  AwsChunkedDecoder decoder(example_context(), false);
  std::vector<uint8_t> buffer(300);
  size_t filled = 0;
  size_t read = 0;
  std::string payload;
  while (read < body.size() || filled > 0) {
    size_t n = std::min(buffer.size() - filled, body.size() - read);
    std::memcpy(buffer.data() + filled, body.data() + read, n);
    filled += n;
    read += n;
    std::span<uint8_t> window(buffer.data(), filled);
    AwsChunkedDecoder::Step step = decoder.decode(window, window);
    ASSERT_EQ(step.error, ChunkedError::kNone);
    payload.append(reinterpret_cast<const char*>(buffer.data()), step.produced);
    std::memmove(buffer.data(), buffer.data() + step.consumed, filled - step.consumed);
    filled -= step.consumed;
    if (step.consumed == 0 && read == body.size()) break;
  }
  EXPECT_EQ(filled, 0u);
  EXPECT_TRUE(decoder.finished());
  EXPECT_EQ(payload, data);
}

TEST(AwsChunkedDecoder, DecodesTheSignedTrailerExample) {
  AwsChunkedDecoder decoder(example_context(kTrailerSeed), true);
  Outcome o = feed_whole(decoder, example_trailer_body());
  EXPECT_EQ(o.error, ChunkedError::kNone);
  EXPECT_TRUE(o.finished);
  EXPECT_EQ(o.payload, std::string(66560, 'a'));
  EXPECT_EQ(decoder.trailers(), (Trailers{{"x-amz-checksum-crc32c", "sOO8/Q=="}}));
}

TEST(AwsChunkedDecoder, DecodesTheSignedTrailerExampleFedOneByteAtATime) {
  AwsChunkedDecoder decoder(example_context(kTrailerSeed), true);
  Outcome o = feed(decoder, example_trailer_body(), 1);
  EXPECT_EQ(o.error, ChunkedError::kNone);
  EXPECT_TRUE(o.finished);
  EXPECT_EQ(o.payload, std::string(66560, 'a'));
  EXPECT_EQ(decoder.trailers(), (Trailers{{"x-amz-checksum-crc32c", "sOO8/Q=="}}));
}

// --- Signature failures ---------------------------------------------------------

TEST(AwsChunkedDecoder, WrongChunkSignatureIsReportedAfterTheChunkData) {
  std::string body = example_body();
  size_t at = body.find("0055627c");
  body[at] = '1';
  Outcome o = decode_signed(body, false);
  EXPECT_EQ(o.error, ChunkedError::kChunkSignatureMismatch);
  // The first chunk verified; the second chunk's bytes were produced before
  // its signature could be checked.
  EXPECT_EQ(o.payload.size(), 65536u + 1024u);
}

TEST(AwsChunkedDecoder, AlteredChunkDataFailsItsSignature) {
  std::string body = example_body();
  body[200] = 'b';
  EXPECT_EQ(decode_signed(body, false).error, ChunkedError::kChunkSignatureMismatch);
}

TEST(AwsChunkedDecoder, WrongSeedFailsTheFirstChunk) {
  Outcome o = decode_signed(example_body(), false, kTrailerSeed);
  EXPECT_EQ(o.error, ChunkedError::kChunkSignatureMismatch);
  EXPECT_EQ(o.payload.size(), 65536u);
}

TEST(AwsChunkedDecoder, WrongFinalChunkSignatureIsAnError) {
  std::string body = example_body();
  body[body.find("b6c6ea8a")] = 'c';
  Outcome o = decode_signed(body, false);
  EXPECT_EQ(o.error, ChunkedError::kChunkSignatureMismatch);
  EXPECT_FALSE(o.finished);
}

TEST(AwsChunkedDecoder, ReorderedChunksBreakTheChain) {
  SignedBodyBuilder builder(kSeed);
  std::string first = builder.chunk("first");
  std::string second = builder.chunk("second");
  std::string body = second + first;
  body += builder.chunk("") + "\r\n";
  EXPECT_EQ(decode_signed(body, false).error, ChunkedError::kChunkSignatureMismatch);
}

TEST(AwsChunkedDecoder, SignedChunkWithoutSignatureIsMissingSignature) {
  EXPECT_EQ(decode_signed("5\r\nhello\r\n0\r\n\r\n", false).error,
            ChunkedError::kMissingChunkSignature);
  EXPECT_EQ(decode_signed("5;\r\nhello\r\n", false).error, ChunkedError::kMissingChunkSignature);
}

TEST(AwsChunkedDecoder, SignedChunkWithMalformedSignatureIsMalformed) {
  EXPECT_EQ(decode_signed("5;chunk-signature=abc\r\nhello\r\n", false).error,
            ChunkedError::kMalformed);
  EXPECT_EQ(
      decode_signed("5;chunk-signature=" + std::string(64, 'a') + ";foo=1\r\nhello\r\n", false)
          .error,
      ChunkedError::kMalformed);
  EXPECT_EQ(
      decode_signed("5;chunk-signature=" + std::string(64, 'g') + "\r\nhello\r\n", false).error,
      ChunkedError::kMalformed);
}

TEST(AwsChunkedDecoder, SignedTrailerWithMultipleFieldsVerifies) {
  SignedBodyBuilder builder(kTrailerSeed);
  std::string body = builder.chunk("hello world");
  body += builder.chunk("");
  body += builder.trailers({{"x-amz-checksum-crc32", "DUoRhQ=="}, {"x-amz-meta-a", "b"}}) + "\r\n";
  AwsChunkedDecoder decoder(example_context(kTrailerSeed), true);
  Outcome o = feed(decoder, body, 3);
  EXPECT_EQ(o.error, ChunkedError::kNone);
  EXPECT_TRUE(o.finished);
  EXPECT_EQ(o.payload, "hello world");
  EXPECT_EQ(decoder.trailers(),
            (Trailers{{"x-amz-checksum-crc32", "DUoRhQ=="}, {"x-amz-meta-a", "b"}}));
}

TEST(AwsChunkedDecoder, SignedTrailerNamesAreLowercasedAndValuesTrimmedBeforeVerifying) {
  SignedBodyBuilder builder(kTrailerSeed);
  std::string body = builder.chunk("hi");
  body += builder.chunk("");
  std::string trailer = builder.trailers({{"x-amz-checksum-crc32", "DUoRhQ=="}});
  trailer.replace(0, std::strlen("x-amz-checksum-crc32:"), "X-Amz-Checksum-CRC32:  ");
  body += trailer + "\r\n";
  AwsChunkedDecoder decoder(example_context(kTrailerSeed), true);
  Outcome o = feed_whole(decoder, body);
  EXPECT_EQ(o.error, ChunkedError::kNone);
  EXPECT_EQ(decoder.trailers(), (Trailers{{"x-amz-checksum-crc32", "DUoRhQ=="}}));
}

TEST(AwsChunkedDecoder, WrongTrailerSignatureIsReported) {
  std::string body = example_trailer_body();
  body[body.find("d81f82fc")] = 'e';
  Outcome o = decode_signed(body, true, kTrailerSeed);
  EXPECT_EQ(o.error, ChunkedError::kTrailerSignatureMismatch);
  EXPECT_EQ(o.payload.size(), 66560u);
}

TEST(AwsChunkedDecoder, AlteredTrailerValueFailsTheTrailerSignature) {
  std::string body = example_trailer_body();
  body.replace(body.find("sOO8/Q=="), 8, "AAAAAA==");
  EXPECT_EQ(decode_signed(body, true, kTrailerSeed).error, ChunkedError::kTrailerSignatureMismatch);
}

TEST(AwsChunkedDecoder, SignedTrailerWithoutSignatureLineIsMissingSignature) {
  std::string body = example_trailer_body();
  size_t start = body.find("x-amz-trailer-signature");
  body.erase(start, body.find("\r\n", start) + 2 - start);
  EXPECT_EQ(decode_signed(body, true, kTrailerSeed).error, ChunkedError::kMissingTrailerSignature);
}

TEST(AwsChunkedDecoder, SignedTrailerFieldAfterTheSignatureIsMalformed) {
  std::string body = example_trailer_body();
  body.insert(body.size() - 2, "x-amz-meta-late:1\r\n");
  EXPECT_EQ(decode_signed(body, true, kTrailerSeed).error, ChunkedError::kMalformedTrailer);
}

// --- Unsigned modes -------------------------------------------------------------

TEST(AwsChunkedDecoder, UnsignedTrailerWithCrc32AsAwsSdkGoV2SendsIt) {
  const std::string body = "b\r\nhello world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n";
  for (size_t piece : {0u, 1u, 2u, 5u}) {
    AwsChunkedDecoder decoder(std::nullopt, true);
    Outcome o = piece == 0 ? feed_whole(decoder, body) : feed(decoder, body, piece);
    EXPECT_EQ(o.error, ChunkedError::kNone) << piece;
    EXPECT_TRUE(o.finished) << piece;
    EXPECT_EQ(o.unconsumed, 0u) << piece;
    EXPECT_EQ(o.payload, "hello world") << piece;
    EXPECT_EQ(decoder.trailers(), (Trailers{{"x-amz-checksum-crc32", "DUoRhQ=="}})) << piece;
    EXPECT_EQ(decoder.decoded_size(), 11u);
  }
}

TEST(AwsChunkedDecoder, UnsignedTrailerWithUppercaseHexSizeAsAwsSdkRustSendsIt) {
  AwsChunkedDecoder decoder(std::nullopt, true);
  Outcome o = feed_whole(decoder, "B\r\nHello world\r\n0\r\nx-amz-checksum-crc32:i9aeUg==\r\n\r\n");
  EXPECT_TRUE(o.finished);
  EXPECT_EQ(o.payload, "Hello world");
  EXPECT_EQ(decoder.trailers(), (Trailers{{"x-amz-checksum-crc32", "i9aeUg=="}}));
}

TEST(AwsChunkedDecoder, UnsignedTrailerNotYetTerminatedIsNotFinished) {
  Outcome o = decode_unsigned("5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n", true);
  EXPECT_EQ(o.error, ChunkedError::kNone);
  EXPECT_FALSE(o.finished);
}

TEST(AwsChunkedDecoder, UnsignedModeIgnoresChunkExtensions) {
  Outcome o =
      decode_unsigned("5;chunk-signature=abc;foo\r\nhello\r\n6;\r\n world\r\n0;x=y\r\n\r\n", false);
  EXPECT_EQ(o.error, ChunkedError::kNone);
  EXPECT_TRUE(o.finished);
  EXPECT_EQ(o.payload, "hello world");
}

TEST(AwsChunkedDecoder, UnsignedTrailerModeIgnoresATrailerSignatureLine) {
  AwsChunkedDecoder decoder(std::nullopt, true);
  Outcome o = feed_whole(decoder,
                         "5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n"
                         "x-amz-trailer-signature:deadbeef\r\n\r\n");
  EXPECT_TRUE(o.finished);
  EXPECT_EQ(decoder.trailers(), (Trailers{{"x-amz-checksum-crc32", "NhCmhg=="}}));
}

// Lines the decoder stores nothing for must still not go on for ever.
TEST(AwsChunkedDecoder, EndlessTrailerSectionIsRefused) {
  std::string body = "5\r\nhello\r\n0\r\n";
  for (int i = 0; i < 100; ++i) body += std::string(1000, '\n') + "\r\n";
  Outcome o = decode_unsigned(body, true, 4096);
  EXPECT_EQ(o.error, ChunkedError::kMalformedTrailer);
  EXPECT_FALSE(o.finished);

  std::string signatures = "5\r\nhello\r\n0\r\n";
  for (int i = 0; i < 1000; ++i) signatures += "x-amz-trailer-signature:deadbeef\r\n";
  EXPECT_EQ(decode_unsigned(signatures, true).error, ChunkedError::kMalformedTrailer);
}

TEST(AwsChunkedDecoder, TrailerSectionUnderItsBoundDecodes) {
  std::string body = "5\r\nhello\r\n0\r\n";
  for (int i = 0; i < 10; ++i) body += std::string(1000, '\n') + "\r\n";
  body += "x-amz-checksum-crc32:NhCmhg==\r\n\r\n";
  Outcome o = decode_unsigned(body, true);
  EXPECT_EQ(o.error, ChunkedError::kNone);
  EXPECT_TRUE(o.finished);
}

TEST(AwsChunkedDecoder, EmptyPayloadDecodes) {
  Outcome o = decode_unsigned("0\r\n\r\n", false);
  EXPECT_TRUE(o.finished);
  EXPECT_EQ(o.payload, "");
}

// --- Lenient endings of real clients ------------------------------------------------

TEST(AwsChunkedDecoder, MinioGoTrailerFieldsSeparatedByBareLineFeedsAreAccepted) {
  // minio-go: "name:value\n" per trailer, then "\r\n\r\n".
  AwsChunkedDecoder decoder(std::nullopt, true);
  Outcome o = feed(
      decoder, "5\r\nhello\r\n0\r\nx-amz-checksum-crc32c:mnG7TA==\nx-amz-meta-a:1\n\r\n\r\n", 1);
  EXPECT_EQ(o.error, ChunkedError::kNone);
  EXPECT_TRUE(o.finished);
  EXPECT_EQ(o.unconsumed, 0u);
  EXPECT_EQ(decoder.trailers(),
            (Trailers{{"x-amz-checksum-crc32c", "mnG7TA=="}, {"x-amz-meta-a", "1"}}));
}

TEST(AwsChunkedDecoder, MinioGoSignedTrailerFramingVerifies) {
  // minio-go: "name:value\n" then "\r\nx-amz-trailer-signature:<sig>\r\n\r\n".
  SignedBodyBuilder builder(kTrailerSeed);
  std::string body = builder.chunk("hello");
  body += builder.chunk("");
  std::string trailer = builder.trailers({{"x-amz-checksum-crc32c", "mnG7TA=="}});
  trailer.replace(trailer.find("\r\n"), 2, "\n\r\n");
  body += trailer + "\r\n";
  AwsChunkedDecoder decoder(example_context(kTrailerSeed), true);
  Outcome o = feed_whole(decoder, body);
  EXPECT_EQ(o.error, ChunkedError::kNone);
  EXPECT_TRUE(o.finished);
  EXPECT_EQ(decoder.trailers(), (Trailers{{"x-amz-checksum-crc32c", "mnG7TA=="}}));
}

TEST(AwsChunkedDecoder, BlankLineBeforeUnsignedTrailersIsAccepted) {
  AwsChunkedDecoder decoder(std::nullopt, true);
  Outcome o = feed(decoder, "5\r\nhello\r\n0\r\n\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n", 1);
  EXPECT_EQ(o.error, ChunkedError::kNone);
  EXPECT_TRUE(o.finished);
  EXPECT_EQ(decoder.trailers(), (Trailers{{"x-amz-checksum-crc32", "NhCmhg=="}}));
}

TEST(AwsChunkedDecoder, SignedTrailerWithBlankLineBeforeIsAccepted) {
  // The trailer example as it is commonly copied from the AWS page.
  std::string body = example_trailer_body();
  body.insert(body.find("x-amz-checksum-crc32c"), "\r\n");
  AwsChunkedDecoder decoder(example_context(kTrailerSeed), true);
  Outcome o = feed(decoder, body, 1);
  EXPECT_EQ(o.error, ChunkedError::kNone);
  EXPECT_TRUE(o.finished);
  EXPECT_EQ(o.unconsumed, 0u);
  EXPECT_EQ(decoder.trailers(), (Trailers{{"x-amz-checksum-crc32c", "sOO8/Q=="}}));
}

TEST(AwsChunkedDecoder, BlankLineAfterTheFinalChunkDoesNotEndAnnouncedTrailers) {
  // Taken as the separator above; a second empty line ends an empty section.
  EXPECT_FALSE(decode_unsigned("5\r\nhello\r\n0\r\n\r\n", true).finished);
  AwsChunkedDecoder decoder(std::nullopt, true);
  EXPECT_TRUE(feed_whole(decoder, "5\r\nhello\r\n0\r\n\r\n\r\n").finished);
  EXPECT_TRUE(decoder.trailers().empty());
  SignedBodyBuilder builder(kTrailerSeed);
  EXPECT_EQ(decode_signed(builder.chunk("") + "\r\n\r\n", true, kTrailerSeed).error,
            ChunkedError::kMissingTrailerSignature);
}

// finished() turns true only with the very last byte, so a caller may read
// until it does and then expect the end of the body.
TEST(AwsChunkedDecoder, FinishedOnlyWithTheLastByteOfTheEncoding) {
  SignedBodyBuilder builder(kTrailerSeed);
  std::string signed_trailer = builder.chunk("hello");
  signed_trailer += builder.chunk("");
  signed_trailer += builder.trailers({{"x-amz-checksum-crc32", "NhCmhg=="}}) + "\r\n";
  struct Case {
    std::string body;
    bool trailer;
    bool is_signed;
  };
  const std::vector<Case> cases = {
      {"5\r\nhello\r\n0\r\n\r\n", false, false},
      {"5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n", true, false},
      {"5\r\nhello\r\n0\r\n\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n", true, false},
      {signed_trailer, true, true}};
  for (const Case& c : cases) {
    for (size_t cut = 0; cut <= c.body.size(); ++cut) {
      AwsChunkedDecoder decoder(
          c.is_signed ? std::optional(example_context(kTrailerSeed)) : std::nullopt, c.trailer);
      Outcome o = feed(decoder, std::string_view(c.body).substr(0, cut), 1);
      ASSERT_EQ(o.error, ChunkedError::kNone) << c.body << " cut at " << cut;
      EXPECT_EQ(o.finished, cut == c.body.size()) << c.body << " cut at " << cut;
    }
  }
}

TEST(AwsChunkedDecoder, BodyEndingWithoutTheFinalCrlfIsNotFinished) {
  std::string body = example_body();
  body.erase(body.size() - 2);
  Outcome o = decode_signed(body, false, kSeed, 1);
  EXPECT_EQ(o.error, ChunkedError::kNone);
  EXPECT_FALSE(o.finished);
  EXPECT_EQ(o.payload.size(), 66560u);
  Outcome half = decode_unsigned("5\r\nhello\r\n0\r\n\r", false);
  EXPECT_FALSE(half.finished);
  EXPECT_EQ(half.unconsumed, 1u);
}

// --- Malformed framing ------------------------------------------------------------

TEST(AwsChunkedDecoder, NonHexSizeIsMalformed) {
  EXPECT_EQ(decode_unsigned("zz\r\nhello\r\n", false).error, ChunkedError::kMalformed);
  EXPECT_EQ(decode_unsigned("-5\r\nhello\r\n", false).error, ChunkedError::kMalformed);
  EXPECT_EQ(decode_unsigned(" 5\r\nhello\r\n", false).error, ChunkedError::kMalformed);
  EXPECT_EQ(decode_unsigned("\r\nhello\r\n", false).error, ChunkedError::kMalformed);
  EXPECT_EQ(decode_unsigned(";chunk-signature=ab\r\n", false).error, ChunkedError::kMalformed);
  EXPECT_EQ(decode_unsigned("5\nhello\r\n", false).error, ChunkedError::kMalformed);
}

TEST(AwsChunkedDecoder, SizeAbove2To40IsMalformed) {
  EXPECT_EQ(decode_unsigned("10000000001\r\n", false).error, ChunkedError::kMalformed);
  EXPECT_EQ(decode_unsigned("ffffffffffffffffffff\r\n", false).error, ChunkedError::kMalformed);
  // 2^40 itself is accepted (and then awaits its data).
  Outcome o = decode_unsigned("10000000000\r\nabc", false);
  EXPECT_EQ(o.error, ChunkedError::kNone);
  EXPECT_EQ(o.payload, "abc");
}

TEST(AwsChunkedDecoder, LeadingZerosInTheSizeAreFine) {
  EXPECT_EQ(decode_unsigned("0000000000000000000005\r\nhello\r\n0\r\n\r\n", false).payload,
            "hello");
}

TEST(AwsChunkedDecoder, MissingCrlfAfterChunkDataIsMalformed) {
  Outcome o = decode_unsigned("5\r\nhelloXY0\r\n\r\n", false);
  EXPECT_EQ(o.error, ChunkedError::kMalformed);
  EXPECT_EQ(o.payload, "hello");
  EXPECT_EQ(decode_unsigned("5\r\nhello\rX", false).error, ChunkedError::kMalformed);
}

TEST(AwsChunkedDecoder, OversizedSizeLineIsMalformed) {
  std::string body = "5;" + std::string(5000, 'x');
  Outcome o = decode_unsigned(body, false, 100);
  EXPECT_EQ(o.error, ChunkedError::kMalformed);
  // Just under the limit still waits for its CRLF.
  Outcome under = decode_unsigned("5;" + std::string(4090, 'x'), false);
  EXPECT_EQ(under.error, ChunkedError::kNone);
  EXPECT_EQ(under.unconsumed, 4092u);
}

TEST(AwsChunkedDecoder, OversizedTrailerLineIsMalformedTrailer) {
  std::string body = "0\r\nx-amz-meta-a:" + std::string(5000, 'v') + "\r\n\r\n";
  EXPECT_EQ(decode_unsigned(body, true).error, ChunkedError::kMalformedTrailer);
}

TEST(AwsChunkedDecoder, TrailerWithoutColonOrWithBadNameIsMalformedTrailer) {
  EXPECT_EQ(decode_unsigned("0\r\nnocolon\r\n\r\n", true).error, ChunkedError::kMalformedTrailer);
  EXPECT_EQ(decode_unsigned("0\r\n:value\r\n\r\n", true).error, ChunkedError::kMalformedTrailer);
  EXPECT_EQ(decode_unsigned("0\r\nbad name:v\r\n\r\n", true).error,
            ChunkedError::kMalformedTrailer);
}

TEST(AwsChunkedDecoder, TruncatedBodiesAreNotFinished) {
  std::string body = example_trailer_body();
  for (size_t cut : {1u, 2u, 3u, 10u, 60u, 100u, 200u, 1200u, 66000u, 66700u}) {
    Outcome o = decode_signed(std::string_view(body).substr(0, body.size() - cut), true,
                              kTrailerSeed, 4096);
    EXPECT_EQ(o.error, ChunkedError::kNone) << cut;
    EXPECT_FALSE(o.finished) << cut;
  }
  EXPECT_FALSE(decode_unsigned("5\r\nhel", false).finished);
  EXPECT_FALSE(decode_unsigned("5\r\nhello\r\n", false).finished);
  EXPECT_FALSE(decode_unsigned("", false).finished);
}

TEST(AwsChunkedDecoder, BytesAfterTheEndAreTrailingData) {
  EXPECT_EQ(decode_signed(example_body() + "x", false).error, ChunkedError::kTrailingData);
  EXPECT_EQ(decode_signed(example_trailer_body() + "\r\n", true, kTrailerSeed).error,
            ChunkedError::kTrailingData);
  EXPECT_EQ(decode_unsigned("0\r\n\r\n0\r\n\r\n", false).error, ChunkedError::kTrailingData);
  // Undeclared trailers after a body announced without them.
  EXPECT_EQ(decode_unsigned("0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n", false).error,
            ChunkedError::kMalformed);
}

TEST(AwsChunkedDecoder, ErrorsAreSticky) {
  AwsChunkedDecoder decoder(std::nullopt, false);
  EXPECT_EQ(decoder.decode(bytes("zz\r\n"), {}).error, ChunkedError::kMalformed);
  AwsChunkedDecoder::Step again = decoder.decode(bytes("5\r\nhello\r\n"), {});
  EXPECT_EQ(again.error, ChunkedError::kMalformed);
  EXPECT_EQ(again.consumed, 0u);
  EXPECT_EQ(again.produced, 0u);
  EXPECT_FALSE(decoder.finished());
}

TEST(AwsChunkedDecoder, StopsWhenTheOutputIsFull) {
  AwsChunkedDecoder decoder(std::nullopt, false);
  std::vector<uint8_t> out(3);
  AwsChunkedDecoder::Step step = decoder.decode(bytes("5\r\nhello\r\n0\r\n\r\n"), out);
  EXPECT_EQ(step.error, ChunkedError::kNone);
  EXPECT_EQ(step.consumed, 6u);
  EXPECT_EQ(step.produced, 3u);
  EXPECT_EQ(std::string(out.begin(), out.end()), "hel");
  step = decoder.decode(bytes("lo\r\n0\r\n\r\n"), out);
  EXPECT_EQ(step.consumed, 9u);
  EXPECT_EQ(step.produced, 2u);
  EXPECT_TRUE(decoder.finished());
  EXPECT_EQ(decoder.decoded_size(), 5u);
}

}  // namespace
}  // namespace moss::s3
