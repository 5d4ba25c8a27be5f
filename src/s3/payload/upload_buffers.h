// Aligned buffers for request bodies (BlobWriter::kPreferredAlignment, so the
// file lane can write them with direct I/O), kept for the next upload when
// given back. A freshly mapped MiB costs 256 page faults and the kernel's
// zeroing of it: a boto3 upload of 1 GiB in 8 MiB parts, ten at a time, took
// 66,000 faults with two new buffers per part, twice that with the rings of
// s3/payload/blob_lanes.h. A buffer from the pool costs neither.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace moss::s3 {

class UploadBuffer {
 public:
  // A buffer of at least `size` bytes (rounded up to the alignment), from the
  // process's pool when it holds one of that size.
  explicit UploadBuffer(size_t size);
  ~UploadBuffer();  // back to the pool while it keeps under its bound
  UploadBuffer(UploadBuffer&& other) noexcept : size_(other.size_), data_(other.data_) {
    other.data_ = nullptr;
  }
  UploadBuffer(const UploadBuffer&) = delete;
  UploadBuffer& operator=(const UploadBuffer&) = delete;
  UploadBuffer& operator=(UploadBuffer&&) = delete;

  std::span<uint8_t> span() { return {data_, size_}; }
  uint8_t* data() { return data_; }

 private:
  size_t size_;
  uint8_t* data_;
};

// Bytes the pool keeps for later uploads at most (tests).
constexpr size_t kUploadBufferPoolBytes = 32 << 20;
// Bytes the pool holds now (tests).
size_t upload_buffer_pool_bytes();

}  // namespace moss::s3
