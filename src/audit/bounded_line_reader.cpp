#include "audit/bounded_line_reader.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace moss {

BoundedLineReader::Status BoundedLineReader::next(std::string& line) {
  line.clear();
  bool too_long = false;
  while (true) {
    if (begin_ == end_) {
      ssize_t n = ::read(fd_, buffer_.data(), buffer_.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Status::kError;
      if (n == 0) return Status::kEnd;
      begin_ = 0;
      end_ = static_cast<size_t>(n);
    }
    const char* start = buffer_.data() + begin_;
    const auto* newline = static_cast<const char*>(std::memchr(start, '\n', end_ - begin_));
    const size_t piece = newline ? static_cast<size_t>(newline - start) : end_ - begin_;
    if (!too_long && line.size() + piece > max_line_bytes_) {
      too_long = true;
      line.clear();
    }
    if (!too_long) line.append(start, piece);
    begin_ += piece;
    if (newline) {
      ++begin_;
      return too_long ? Status::kTooLong : Status::kLine;
    }
  }
}

}  // namespace moss
