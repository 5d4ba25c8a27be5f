// The request payload as the handler should see it: aws-chunked framing removed
// and every promise the client made about the bytes enforced, whatever the
// SigV4 payload mode: the x-amz-content-sha256 hash, each chunk signature, the
// trailer signature, and the announced decoded length. A broken promise is an
// S3Error thrown from read(); the handler then discards what it stored.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "moss/s3/authenticator.h"
#include "moss/s3/exchange.h"
#include "moss/util/digest.h"
#include "s3/payload/aws_chunked_decoder.h"

namespace moss::s3 {

class PayloadReader {
 public:
  // Throws S3Error when the headers describing the payload are inconsistent.
  PayloadReader(Exchange& ex, const AuthResult& auth);

  // The payload length the client announced (x-amz-decoded-content-length for
  // aws-chunked bodies, else Content-Length), if it announced one.
  std::optional<uint64_t> declared_size() const { return declared_size_; }

  // Up to buf.size() payload bytes; 0 once the payload ended and was verified.
  awaitable<size_t> read(std::span<uint8_t> buf);
  // Fills `buf` unless the payload ends first.
  awaitable<size_t> read_full(std::span<uint8_t> buf);
  // A whole small body (XML documents); EntityTooLarge past `limit`.
  awaitable<std::string> read_all(size_t limit);

  // For the x-amz-content-sha256 mode: the caller computes the payload's
  // SHA-256 anyway (blob naming) and compares it with expected_sha256() itself,
  // so the reader need not hash the bytes a second time.
  void caller_verifies_sha256() { hash_.reset(); }
  const std::string& expected_sha256() const { return expected_sha256_; }

  // Trailer fields (lowercase names) once read() returned 0.
  const std::vector<std::pair<std::string, std::string>>& trailers() const;
  uint64_t payload_bytes() const { return payload_bytes_; }

 private:
  awaitable<size_t> read_raw(std::span<uint8_t> buf);
  awaitable<size_t> read_chunked(std::span<uint8_t> buf);
  void finish();

  Exchange& ex_;
  std::optional<uint64_t> declared_size_;
  std::optional<AwsChunkedDecoder> decoder_;
  std::string carry_;  // undecoded tail (a partial chunk header) between reads
  std::unique_ptr<Hasher> hash_;
  std::string expected_sha256_;
  uint64_t payload_bytes_ = 0;
  bool finished_ = false;
};

}  // namespace moss::s3
