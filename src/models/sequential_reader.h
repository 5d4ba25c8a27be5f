// Reads a ByteSource front to back through a small buffer, with a hard limit
// on how far it may go. The first failure (end of file, limit, I/O error)
// sticks: later reads return zeros and do nothing, so a parser can read a
// whole record and check failed() once, and a loop driven by a count read
// after a failure does not run (the count is 0).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "moss/models/byte_source.h"

namespace moss::models {

class SequentialReader {
 public:
  // Reading stops at min(source.size(), limit); going past `limit` inside the
  // file fails with `limit_error`, past the end of the file with a truncation error.
  SequentialReader(ByteSource& source, uint64_t limit, std::string limit_error);

  uint64_t position() const { return position_; }
  // Bytes that may still be read before the end of the file or the limit.
  uint64_t remaining() const { return end_ - position_; }

  uint8_t u8();
  uint32_t u32();  // little-endian
  uint64_t u64();  // little-endian
  void read(uint8_t* out, size_t n);
  void skip(uint64_t n);
  // Reads n bytes into a string. Callers check n against remaining() first so
  // that a hostile length never turns into an allocation.
  std::string string(uint64_t n);

  bool failed() const { return !error_.empty(); }
  const std::string& error() const { return error_; }
  // Records `why` unless a failure is already recorded.
  void fail(std::string why);

 private:
  bool ensure(uint64_t n);  // false (and failed) unless n bytes are readable
  void fill(uint8_t* out, size_t n);

  ByteSource& source_;
  uint64_t end_;
  uint64_t file_size_;
  std::string limit_error_;
  uint64_t position_ = 0;
  std::vector<uint8_t> buffer_;
  uint64_t buffer_start_ = 0;
  size_t buffer_length_ = 0;
  std::string error_;
};

}  // namespace moss::models
