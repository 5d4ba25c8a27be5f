// Reads a file line by line through a fixed buffer, holding at most
// `max_line_bytes` of any line: a longer line is skipped to its end and
// reported, so a damaged or hostile file cannot make the reader grow.
#pragma once

#include <array>
#include <cstddef>
#include <string>

namespace moss {

class BoundedLineReader {
 public:
  enum class Status {
    kLine,     // `line` holds the next line, without its '\n'
    kTooLong,  // a line over the bound was skipped
    kEnd,      // end of file (an unterminated last line is not returned)
    kError,    // read() failed; errno tells why
  };

  // Does not own `fd`.
  BoundedLineReader(int fd, size_t max_line_bytes) : fd_(fd), max_line_bytes_(max_line_bytes) {}

  Status next(std::string& line);

 private:
  int fd_;
  size_t max_line_bytes_;
  std::array<char, 64 * 1024> buffer_;
  size_t begin_ = 0;
  size_t end_ = 0;
};

}  // namespace moss
