#include "sequential_reader.h"

#include <algorithm>
#include <cstring>

namespace moss::models {

namespace {
constexpr size_t kBufferBytes = 64 * 1024;

// The unsigned integer stored little-endian in `bytes`.
template <size_t N>
uint64_t from_little_endian(const uint8_t (&bytes)[N]) {
  uint64_t v = 0;
  for (size_t i = N; i-- > 0;) v = (v << 8) | bytes[i];
  return v;
}
}  // namespace

SequentialReader::SequentialReader(ByteSource& source, uint64_t limit, std::string limit_error)
    : source_(source),
      end_(std::min(source.size(), limit)),
      file_size_(source.size()),
      limit_error_(std::move(limit_error)) {}

void SequentialReader::fail(std::string why) {
  if (error_.empty()) error_ = std::move(why);
  position_ = end_;
}

bool SequentialReader::ensure(uint64_t n) {
  if (failed()) return false;
  if (n <= remaining()) return true;
  if (end_ < file_size_) {
    fail(limit_error_);
  } else {
    fail("file ends at byte " + std::to_string(file_size_) + " in the middle of the header");
  }
  return false;
}

void SequentialReader::fill(uint8_t* out, size_t n) {
  while (n > 0) {
    const bool in_buffer = position_ >= buffer_start_ && position_ < buffer_start_ + buffer_length_;
    if (!in_buffer) {
      // Sized once, no larger than what may be read: small files stay cheap.
      if (buffer_.empty())
        buffer_.resize(static_cast<size_t>(std::min<uint64_t>(kBufferBytes, end_)));
      const size_t want = static_cast<size_t>(std::min<uint64_t>(buffer_.size(), end_ - position_));
      auto got = source_.read_at(position_, std::span<uint8_t>(buffer_.data(), want));
      if (!got) return fail("read error: " + got.error());
      if (*got == 0) return fail("file shrank while being read");
      buffer_start_ = position_;
      buffer_length_ = *got;
    }
    const size_t offset = static_cast<size_t>(position_ - buffer_start_);
    const size_t take = std::min(n, buffer_length_ - offset);
    std::memcpy(out, buffer_.data() + offset, take);
    out += take;
    n -= take;
    position_ += take;
  }
}

void SequentialReader::read(uint8_t* out, size_t n) {
  if (!ensure(n)) {
    std::memset(out, 0, n);
    return;
  }
  fill(out, n);
  if (failed()) std::memset(out, 0, n);
}

void SequentialReader::skip(uint64_t n) {
  if (ensure(n)) position_ += n;
}

uint8_t SequentialReader::u8() {
  uint8_t b = 0;
  read(&b, 1);
  return b;
}

uint32_t SequentialReader::u32() {
  uint8_t b[4];
  read(b, sizeof b);
  return static_cast<uint32_t>(from_little_endian(b));
}

uint64_t SequentialReader::u64() {
  uint8_t b[8];
  read(b, sizeof b);
  return from_little_endian(b);
}

std::string SequentialReader::string(uint64_t n) {
  if (!ensure(n)) return {};
  std::string s(static_cast<size_t>(n), '\0');
  fill(reinterpret_cast<uint8_t*>(s.data()), s.size());
  if (failed()) return {};
  return s;
}

}  // namespace moss::models
