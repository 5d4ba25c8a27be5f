#include "moss/s3/payload_to_blob.h"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <algorithm>
#include <cstdlib>
#include <new>
#include <span>

#include "moss/s3/errors.h"
#include "moss/s3/store_errors.h"
#include "moss/util/offload.h"

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

}  // namespace

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

}  // namespace moss::s3
