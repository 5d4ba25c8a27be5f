#include "s3/payload/payload_to_blob.h"

#include <algorithm>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <cstdlib>
#include <new>
#include <span>
#include <string>

#include "moss/util/hex.h"
#include "moss/util/offload.h"
#include "s3/errors.h"
#include "s3/store_errors.h"

namespace moss::s3 {

using namespace boost::asio::experimental::awaitable_operators;

namespace {

// A buffer aligned for direct I/O (BlobWriter::kPreferredAlignment).
class AlignedBuffer {
 public:
  explicit AlignedBuffer(size_t size)
      : size_(round_up(size)),
        data_(static_cast<uint8_t*>(
            std::aligned_alloc(store::BlobWriter::kPreferredAlignment, size_))) {
    if (!data_) throw std::bad_alloc();
  }
  ~AlignedBuffer() { std::free(data_); }
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
  std::span<uint8_t> span() { return {data_, size_}; }
  uint8_t* data() { return data_; }
  void swap(AlignedBuffer& other) {
    std::swap(data_, other.data_);
    std::swap(size_, other.size_);
  }

 private:
  static size_t round_up(size_t n) {
    constexpr size_t a = store::BlobWriter::kPreferredAlignment;
    return std::max(a, (n + a - 1) / a * a);
  }
  size_t size_;
  uint8_t* data_;
};

// Copies the whole payload; throws S3Error EntityTooLarge past `limit` bytes,
// and the S3 form of a storage error (the caller discards the writer).
awaitable<void> copy_payload_to_blob(PayloadReader& body, store::BlobWriter& writer,
                                     size_t buffer_size, uint64_t limit,
                                     boost::asio::thread_pool& pool) {
  AlignedBuffer filled(buffer_size);
  AlignedBuffer next(buffer_size);
  size_t n = co_await body.read_full(filled.span());
  uint64_t total = 0;
  while (n > 0) {
    total += n;
    if (total > limit) throw S3Error(S3ErrorCode::kEntityTooLarge);
    std::span<const uint8_t> chunk(filled.data(), n);
    // Both complete before the buffers are touched again, even when one fails
    // (the group waits for the write, which cannot be cancelled).
    auto [written, following] =
        co_await (offload(pool, [&writer, chunk] { return writer.write(chunk); }) &&
                  body.read_full(next.span()));
    value_or_throw(std::move(written));
    n = following;
    filled.swap(next);
  }
}

}  // namespace

awaitable<ReceivedPayload> receive_payload(RequestContext& ctx, PayloadReader& body,
                                           const ChecksumRequest& checksum,
                                           std::vector<DigestAlgorithm> digests, uint64_t limit) {
  // Without either, HTTP/1.1 says the body is empty; S3 refuses such a PUT
  // rather than store an empty object the client may not have meant.
  if (!ctx.has_header("content-length") && !ctx.has_header("transfer-encoding")) {
    throw S3Error(S3ErrorCode::kMissingContentLength);
  }
  if (body.declared_size() && *body.declared_size() > limit) {
    throw S3Error(S3ErrorCode::kEntityTooLarge)
        .with("ProposedSize", std::to_string(*body.declared_size()))
        .with("MaxSizeAllowed", std::to_string(limit));
  }
  // The blob is named by its SHA-256; that is the x-amz-content-sha256 check too.
  body.caller_verifies_sha256();

  auto& pool = *ctx.service.blocking;
  auto writer = value_or_throw(ctx.store().begin_blob(std::move(digests)));
  co_await copy_payload_to_blob(body, *writer, ctx.config().io_buffer_size, limit, pool);
  ReceivedPayload received;
  received.blob = value_or_throw(co_await offload(pool, [&] { return writer->seal(); }));

  const std::string& sha256 = received.blob->sha256_hex();
  if (!body.expected_sha256().empty() && body.expected_sha256() != sha256) {
    throw S3Error(S3ErrorCode::kXAmzContentSHA256Mismatch)
        .with("ClientComputedContentSHA256", body.expected_sha256())
        .with("S3ComputedContentSHA256", sha256);
  }
  auto md5_raw = from_hex(received.blob->md5_hex()).value_or(std::string());
  received.checksum =
      verify_checksums(checksum, md5_raw, received.blob->digests(), body.trailers());
  co_return received;
}

}  // namespace moss::s3
