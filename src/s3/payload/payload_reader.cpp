#include "s3/payload/payload_reader.h"

#include <boost/asio/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/system/system_error.hpp>
#include <charconv>
#include <cstring>

#include "moss/util/hex.h"
#include "s3/errors.h"

namespace moss::s3 {
namespace {

std::optional<uint64_t> parse_u64(std::string_view s) {
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

S3Error chunked_error(ChunkedError e) {
  switch (e) {
    case ChunkedError::kChunkSignatureMismatch:
    case ChunkedError::kTrailerSignatureMismatch:
      return S3Error(S3ErrorCode::kSignatureDoesNotMatch,
                     "The request signature of a payload chunk does not match.");
    case ChunkedError::kMissingChunkSignature:
    case ChunkedError::kMissingTrailerSignature:
      return S3Error(S3ErrorCode::kSignatureDoesNotMatch,
                     "A payload chunk or trailer of a signed streaming upload is unsigned.");
    case ChunkedError::kMalformedTrailer:
      return S3Error(S3ErrorCode::kMalformedTrailerError);
    case ChunkedError::kTrailingData:
    case ChunkedError::kMalformed:
    case ChunkedError::kNone:
      break;
  }
  return S3Error(S3ErrorCode::kIncompleteBody, "The aws-chunked payload encoding is malformed.");
}

// Transport failures while reading the body become the S3 errors a client
// (if it is still there) can act on.
[[noreturn]] void rethrow_transport_error(const boost::system::system_error& e) {
  if (e.code() == boost::asio::error::timed_out) throw S3Error(S3ErrorCode::kRequestTimeout);
  if (e.code() == boost::asio::error::message_size) {
    throw S3Error(S3ErrorCode::kInvalidRequest,
                  "A chunk-size line (with its extensions) or the trailer section of the chunked "
                  "request body is longer than the server accepts.");
  }
  if (e.code() == boost::beast::http::error::bad_chunk_extension) {
    throw S3Error(S3ErrorCode::kInvalidRequest,
                  "A chunk extension of the chunked request body is malformed or quoted; "
                  "quoted chunk extensions are not accepted.");
  }
  throw S3Error(S3ErrorCode::kIncompleteBody,
                "The request body ended before its declared length: " + e.code().message());
}

}  // namespace

PayloadReader::PayloadReader(Exchange& ex, const AuthResult& auth) : ex_(ex) {
  const auto& head = ex.request();
  declared_size_ = ex.content_length();
  switch (auth.payload) {
    case PayloadMode::kUnsigned:
      break;
    case PayloadMode::kSha256:
      expected_sha256_ = auth.payload_sha256;
      hash_ = make_hasher(DigestAlgorithm::kSha256);
      break;
    case PayloadMode::kStreamingSigned:
    case PayloadMode::kStreamingSignedTrailer:
    case PayloadMode::kStreamingUnsignedTrailer: {
      bool signed_mode = auth.payload != PayloadMode::kStreamingUnsignedTrailer;
      bool trailer = auth.payload != PayloadMode::kStreamingSigned;
      auto decoded = head["x-amz-decoded-content-length"];
      if (!decoded.empty()) {
        declared_size_ = parse_u64(decoded);
        if (!declared_size_) {
          throw S3Error(S3ErrorCode::kInvalidArgument,
                        "x-amz-decoded-content-length is not a number.");
        }
      } else if (signed_mode) {
        throw S3Error(S3ErrorCode::kMissingContentLength,
                      "STREAMING-AWS4-HMAC-SHA256-PAYLOAD requires x-amz-decoded-content-length.");
      } else {
        declared_size_.reset();
      }
      decoder_.emplace(signed_mode ? auth.chunk_signing : std::nullopt, trailer);
      break;
    }
  }
}

awaitable<size_t> PayloadReader::read(std::span<uint8_t> buf) {
  if (finished_ || buf.empty()) co_return 0;
  size_t n = 0;
  try {
    n = decoder_ ? co_await read_chunked(buf) : co_await read_raw(buf);
  } catch (const boost::system::system_error& e) {
    rethrow_transport_error(e);
  }
  if (n == 0) {
    finish();
    co_return 0;
  }
  payload_bytes_ += n;
  if (declared_size_ && payload_bytes_ > *declared_size_) {
    throw S3Error(S3ErrorCode::kIncompleteBody,
                  "The payload is longer than x-amz-decoded-content-length.");
  }
  if (hash_) hash_->update(std::span<const uint8_t>(buf.data(), n));
  co_return n;
}

awaitable<size_t> PayloadReader::read_full(std::span<uint8_t> buf) {
  size_t filled = 0;
  while (filled < buf.size()) {
    size_t n = co_await read(buf.subspan(filled));
    if (n == 0) break;
    filled += n;
  }
  co_return filled;
}

awaitable<std::string> PayloadReader::read_all(size_t limit) {
  if (declared_size_ && *declared_size_ > limit) {
    throw S3Error(S3ErrorCode::kEntityTooLarge, "The request body is too large.");
  }
  std::string out;
  std::vector<uint8_t> buf(64 * 1024);
  while (true) {
    size_t n = co_await read(buf);
    if (n == 0) break;
    if (out.size() + n > limit) {
      throw S3Error(S3ErrorCode::kEntityTooLarge, "The request body is too large.");
    }
    out.append(reinterpret_cast<const char*>(buf.data()), n);
  }
  co_return out;
}

const std::vector<std::pair<std::string, std::string>>& PayloadReader::trailers() const {
  static const std::vector<std::pair<std::string, std::string>> kNone;
  return decoder_ ? decoder_->trailers() : kNone;
}

awaitable<size_t> PayloadReader::read_raw(std::span<uint8_t> buf) {
  co_return co_await ex_.read_body(buf);
}

awaitable<size_t> PayloadReader::read_chunked(std::span<uint8_t> buf) {
  // Decoding happens in place: raw bytes are read into `buf` behind the
  // undecoded tail of the previous read, and the payload is moved to the front.
  while (!decoder_->finished()) {
    if (carry_.size() >= buf.size()) {
      throw S3Error(S3ErrorCode::kIncompleteBody, "An aws-chunked header line is too long.");
    }
    std::memcpy(buf.data(), carry_.data(), carry_.size());
    size_t raw = co_await ex_.read_body(buf.subspan(carry_.size()));
    size_t available = carry_.size() + raw;
    if (raw == 0) {
      throw S3Error(S3ErrorCode::kIncompleteBody,
                    "The request body ended inside the aws-chunked encoding.");
    }
    auto step = decoder_->decode(std::span<const uint8_t>(buf.data(), available), buf);
    if (step.error != ChunkedError::kNone) throw chunked_error(step.error);
    carry_.assign(reinterpret_cast<const char*>(buf.data()) + step.consumed,
                  available - step.consumed);
    if (step.produced > 0) co_return step.produced;
  }
  // The encoding is complete; nothing may follow it.
  if (!carry_.empty()) throw chunked_error(ChunkedError::kTrailingData);
  uint8_t extra[1];
  if (co_await ex_.read_body(extra) != 0) throw chunked_error(ChunkedError::kTrailingData);
  co_return 0;
}

void PayloadReader::finish() {
  finished_ = true;
  if (declared_size_ && payload_bytes_ != *declared_size_) {
    throw S3Error(S3ErrorCode::kIncompleteBody);
  }
  if (hash_ && !expected_sha256_.empty()) {
    if (to_hex(hash_->final()) != expected_sha256_) {
      throw S3Error(S3ErrorCode::kXAmzContentSHA256Mismatch)
          .with("ClientComputedContentSHA256", expected_sha256_);
    }
  }
}

}  // namespace moss::s3
