// Random-access bytes a model-header parser reads from: an object's blob on
// disk (FdByteSource) or a buffer already in memory (MemoryByteSource). The
// parsers never assume the whole object fits in memory; they ask for the few
// ranges they need.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "moss/util/result.h"

namespace moss::models {

class ByteSource {
 public:
  virtual ~ByteSource() = default;

  // Fills `out` from `offset` and returns how many bytes were copied: out.size()
  // unless the source ends first (then fewer, 0 at or past the end). An error
  // only for a failed read, never for a range past the end.
  virtual Result<size_t, std::string> read_at(uint64_t offset, std::span<uint8_t> out) = 0;

  // Total length in bytes; fixed for the life of the source.
  virtual uint64_t size() const = 0;
};

// A view of bytes owned by the caller, who keeps them alive while it is used.
class MemoryByteSource final : public ByteSource {
 public:
  explicit MemoryByteSource(std::span<const uint8_t> bytes) : bytes_(bytes) {}

  Result<size_t, std::string> read_at(uint64_t offset, std::span<uint8_t> out) override;
  uint64_t size() const override { return bytes_.size(); }

 private:
  std::span<const uint8_t> bytes_;
};

// pread(2) on a descriptor the caller owns and keeps open while it is used.
// The size is taken once, at construction (from fstat when not given), so a
// file growing underneath is read only up to that size.
class FdByteSource final : public ByteSource {
 public:
  FdByteSource(int fd, uint64_t size) : fd_(fd), size_(size) {}
  static Result<FdByteSource, std::string> from_fd(int fd);

  Result<size_t, std::string> read_at(uint64_t offset, std::span<uint8_t> out) override;
  uint64_t size() const override { return size_; }

 private:
  int fd_;
  uint64_t size_;
};

}  // namespace moss::models
