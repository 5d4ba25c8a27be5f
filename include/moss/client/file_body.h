// Request and response bodies backed by local files: a byte range of an open
// file read with pread (so parallel parts share one descriptor), a sink that
// appends to a file while hashing what it writes, and one that writes at a
// position (parallel ranged downloads).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "moss/client/http_client.h"
#include "moss/util/digest.h"
#include "moss/util/unique_fd.h"

namespace moss::client {

// [offset, offset + length) of `fd`, which outlives the source.
class FileRangeSource : public BodySource {
 public:
  FileRangeSource(int fd, uint64_t offset, uint64_t length)
      : fd_(fd), offset_(offset), length_(length) {}
  uint64_t size() const override { return length_; }
  Result<size_t, std::string> read(std::span<uint8_t> out) override;
  bool rewind() override {
    position_ = 0;
    return true;
  }

 private:
  int fd_;
  uint64_t offset_;
  uint64_t length_;
  uint64_t position_ = 0;
};

// Appends to `fd` and feeds `hasher` (when given) the same bytes, counting them.
class HashingFileSink : public BodySink {
 public:
  HashingFileSink(int fd, Hasher* hasher) : fd_(fd), hasher_(hasher) {}
  std::error_code write(std::span<const uint8_t> data) override;
  uint64_t written() const { return written_; }
  // Called with every chunk's size after it is written (progress).
  std::function<void(uint64_t)> on_written;

 private:
  int fd_;
  Hasher* hasher_;
  uint64_t written_ = 0;
};

// Writes what it is given to `fd` from `offset` on, with pwrite (so ranges
// of one file can be written from several threads at once), counting it.
class PositionedFileSink : public BodySink {
 public:
  PositionedFileSink(int fd, uint64_t offset) : fd_(fd), offset_(offset) {}
  std::error_code write(std::span<const uint8_t> data) override;
  uint64_t written() const { return written_; }
  // Called with every piece's size after it is written; a non-zero error
  // stops the transfer with it.
  std::function<std::error_code(uint64_t)> on_written;

 private:
  int fd_;
  uint64_t offset_;
  uint64_t written_ = 0;
};

// Feeds [offset, offset + length) of `fd` to `hasher`, read with pread;
// `on_read` (if given) gets every chunk's size. Fails with the errno text.
Result<void, std::string> hash_range(int fd, uint64_t offset, uint64_t length, Hasher& hasher,
                                     const std::function<void(uint64_t)>& on_read = {});

}  // namespace moss::client
