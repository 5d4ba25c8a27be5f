#include "moss/http/beast_exchange.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/write.hpp>
#include <boost/beast/core/read_size.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>

#include <spdlog/spdlog.h>

#include "http/awaitable_io.h"
#include "http/chunk_line_guard.h"
#include "http/response_head_writer.h"
#include "moss/http/connection.h"
#include "moss/util/fs.h"
#include "moss/util/metrics.h"

namespace moss::http {

namespace {
// One sendfile(2) call moves at most this much, so the watchdog sees progress
// on huge objects and one connection cannot hog a thread for long.
constexpr size_t kSendfileChunk = 8 << 20;
// Bodies up to this size are copied next to their head and sent with it.
constexpr uint64_t kInlineFileLimit = 64 * 1024;
// What one read of a chunked body asks for (as Beast's own read loop does).
constexpr size_t kChunkedReadSize = 64 * 1024;

}  // namespace

BeastExchange::BeastExchange(Connection& connection, ConnectionStream& stream,
                             beast::flat_buffer& buffer, std::string& head_buffer,
                             bhttp::request_parser<bhttp::buffer_body>& parser,
                             std::string_view remote, std::chrono::seconds io_timeout,
                             bool keep_alive)
    : connection_(connection),
      stream_(stream),
      socket_(stream.socket()),
      buffer_(buffer),
      parser_(parser),
      pending_head_(head_buffer),
      remote_(remote),
      io_timeout_(io_timeout),
      keep_alive_(keep_alive),
      rate_floor_(connection.limits().min_body_rate, connection.limits().min_body_rate_window) {
  if (!parser_.chunked()) sized_body_remaining_ = parser_.content_length().value_or(0);
}

const RequestHead& BeastExchange::request() const { return parser_.get().base(); }

std::optional<uint64_t> BeastExchange::content_length() const {
  if (parser_.chunked()) return std::nullopt;
  auto length = parser_.content_length();
  return length ? std::optional<uint64_t>(*length) : std::optional<uint64_t>(0);
}

bool BeastExchange::body_complete() const {
  return parser_.chunked() ? parser_.is_done() : sized_body_remaining_ == 0;
}

bool BeastExchange::keep_alive() const {
  // A final answer to "Expect: 100-continue" without a 100 first ends the
  // connection: the client may still send the body (curl does after a
  // second), and botocore keeps stale state on a connection it reuses.
  return keep_alive_ && !connection_.closing() && !(expects_continue() && !continue_sent_);
}

bool BeastExchange::expects_continue() const {
  auto expect = request()[bhttp::field::expect];
  return expect.size() == 12 && beast::iequals(expect, "100-continue");
}

void BeastExchange::throw_io_error(error_code ec) const {
  if (connection_.timed_out()) ec = asio::error::timed_out;
  throw boost::system::system_error(ec);
}

void BeastExchange::read_file_fully(int fd, char* out, size_t size, uint64_t offset) const {
  const FullRead result = pread_full(fd, out, size, offset);
  if (result.got == size) return;
  throw_io_error(result.error != 0 ? error_code(result.error, boost::system::system_category())
                                   : error_code(asio::error::eof));
}

awaitable<void> BeastExchange::send_continue_if_expected() {
  if (continue_sent_ || !expects_continue()) co_return;
  continue_sent_ = true;
  static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
  connection_.set_deadline(io_timeout_);
  auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(kContinue), kAwait);
  connection_.clear_deadline();
  if (ec) throw_io_error(ec);
}

awaitable<size_t> BeastExchange::read_body(std::span<uint8_t> buf) {
  if (buf.empty()) co_return 0;
  // Even for an empty body: a client that asked gets its 100 whenever the
  // handler wants the body, which keeps the connection reusable.
  co_await send_continue_if_expected();
  if (body_complete()) co_return 0;
  if (!parser_.chunked()) co_return co_await read_sized_body(buf);
  // The parser is fed by hand rather than through bhttp::async_read_some, so
  // that each time it waits for more of the chunk framing the line it waits on
  // can be checked (http/chunk_line_guard.h).
  while (!parser_.is_done()) {
    auto& body = parser_.get().body();
    body.data = buf.data();
    body.size = buf.size();
    error_code ec = bhttp::error::need_more;
    if (buffer_.size() > 0) {
      buffer_.consume(parser_.put(buffer_.data(), ec));
      if (ec == bhttp::error::need_buffer) ec = {};
    }
    if (ec == bhttp::error::need_more) {
      const auto* pending = static_cast<const char*>(buffer_.data().data());
      if (chunk_line_has_quote({pending, buffer_.size()})) {
        throw_body_read_error(bhttp::error::bad_chunk_extension);
      }
      co_await read_chunk_framing();
      continue;
    }
    if (ec) throw_body_read_error(ec);
    const size_t produced = buf.size() - parser_.get().body().size;
    if (produced > 0) {
      bytes_received_ += produced;
      co_return produced;
    }
  }
  co_return 0;
}

awaitable<void> BeastExchange::read_chunk_framing() {
  const size_t room = beast::read_size(buffer_, kChunkedReadSize);
  if (room == 0) throw_body_read_error(bhttp::error::buffer_overflow);
  const auto started = begin_body_read();
  auto [ec, n] = co_await stream_.async_read_some(buffer_.prepare(room), kAwait);
  buffer_.commit(n);
  end_body_read(started, n);
  if (ec == asio::error::eof) {
    // What a closed connection leaves unfinished is an incomplete body.
    error_code eof_ec;
    parser_.put_eof(eof_ec);
    ec = eof_ec ? eof_ec : bhttp::error::partial_message;
  }
  if (ec) throw_body_read_error(ec);
}

awaitable<size_t> BeastExchange::read_sized_body(std::span<uint8_t> buf) {
  // A Content-Length body needs no decoding, so it bypasses the parser (which
  // reads at most 64 KiB per call and copies every byte once more): bytes that
  // came with the head are taken from the buffer, the rest read straight into
  // the caller's. Never beyond the body: what follows is the next request.
  const size_t want = static_cast<size_t>(std::min<uint64_t>(buf.size(), sized_body_remaining_));
  size_t n = 0;
  if (buffer_.size() > 0) {
    n = asio::buffer_copy(asio::buffer(buf.data(), want), buffer_.data());
    buffer_.consume(n);
  } else {
    const auto started = begin_body_read();
    auto [ec, got] = co_await stream_.async_read_some(asio::buffer(buf.data(), want), kAwait);
    if (ec) throw_body_read_error(ec);
    end_body_read(started, got);
    n = got;
  }
  sized_body_remaining_ -= n;
  bytes_received_ += n;
  co_return n;
}

std::chrono::steady_clock::time_point BeastExchange::begin_body_read() {
  const std::chrono::steady_clock::duration no_progress = io_timeout_;
  const auto allowance = rate_floor_.allowance();
  read_limited_by_rate_ = allowance < no_progress;
  // A stalled or trickling body is answered with RequestTimeout, so the
  // watchdog cancels the read instead of closing the connection.
  connection_.set_deadline(std::min(no_progress, allowance), Connection::OnExpiry::kCancel);
  return std::chrono::steady_clock::now();
}

void BeastExchange::end_body_read(std::chrono::steady_clock::time_point started, size_t bytes) {
  connection_.clear_deadline();
  rate_floor_.record(std::chrono::steady_clock::now() - started, bytes);
}

void BeastExchange::throw_body_read_error(error_code ec) {
  connection_.clear_deadline();
  if (connection_.timed_out()) {
    const char* reason = read_limited_by_rate_ ? "body_below_min_rate" : "body_stalled";
    spdlog::info("request body from {} {} after {} bytes; ending the request", remote_,
                 read_limited_by_rate_ ? "fell below the minimum body rate" : "stalled",
                 bytes_received_);
    connection_.metrics().count("moss_connections_ended_total", reason);
  } else if (ec == bhttp::error::buffer_overflow) {
    // The parser needed more of a chunk-size line or trailer section than
    // the connection's buffer holds.
    spdlog::info("chunked body from {}: a chunk-size line or trailer section outgrew {} bytes",
                 remote_, buffer_.max_size());
    connection_.metrics().count("moss_connections_ended_total", "chunk_framing_too_large");
    ec = asio::error::message_size;
  } else if (ec == bhttp::error::bad_chunk_extension) {
    spdlog::info("chunked body from {}: a chunk extension is malformed or quoted", remote_);
    connection_.metrics().count("moss_connections_ended_total", "chunk_extension_refused");
  }
  throw_io_error(ec);
}

awaitable<void> BeastExchange::send(bhttp::response<bhttp::string_body> response) {
  refuse_unsafe_fields(response.base());
  response.keep_alive(keep_alive());
  status_ = static_cast<int>(response.result_int());
  head_sent_ = true;
  bytes_sent_ += response.body().size();
  connection_.set_deadline(io_timeout_);
  auto [ec, n] = co_await bhttp::async_write(stream_, response, kAwait);
  connection_.clear_deadline();
  if (ec) throw_io_error(ec);
}

awaitable<void> BeastExchange::send_head(ResponseHead head) {
  bhttp::response<bhttp::empty_body> response(std::move(head));
  response.keep_alive(keep_alive());
  append_response_head(pending_head_, response.base());
  status_ = static_cast<int>(response.result_int());
  head_sent_ = true;
  co_return;
}

bool BeastExchange::secure() const { return stream_.is_tls(); }

awaitable<void> BeastExchange::flush_head(bool more) {
  if (stream_.is_tls()) {
    connection_.set_deadline(io_timeout_);
    auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(pending_head_), kAwait);
    connection_.clear_deadline();
    if (ec) throw_io_error(ec);
    pending_head_.clear();
    co_return;
  }
  if (!socket_.native_non_blocking()) socket_.native_non_blocking(true);
  size_t done = 0;
  while (done < pending_head_.size()) {
    connection_.set_deadline(io_timeout_);
    ssize_t n = ::send(socket_.native_handle(), pending_head_.data() + done,
                       pending_head_.size() - done, MSG_NOSIGNAL | (more ? MSG_MORE : 0));
    if (n > 0) {
      done += static_cast<size_t>(n);
      continue;
    }
    int error = errno;
    if (n < 0 && co_await retry_after_send_error(error)) continue;
    throw_io_error(error_code(error, boost::system::system_category()));
  }
  pending_head_.clear();
  connection_.clear_deadline();
}

awaitable<void> BeastExchange::finish() {
  if (!pending_head_.empty()) co_await flush_head(false);
}

awaitable<void> BeastExchange::send_body(std::span<const uint8_t> bytes) {
  if (!pending_head_.empty() && bytes.size() <= kInlineFileLimit) {
    // A small body goes out in the same write as its head (as in send_file).
    pending_head_.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    co_await flush_head(false);
    bytes_sent_ += bytes.size();
    co_return;
  }
  if (!pending_head_.empty()) co_await flush_head(true);
  connection_.set_deadline(io_timeout_);
  auto [ec, n] =
      co_await asio::async_write(stream_, asio::buffer(bytes.data(), bytes.size()), kAwait);
  connection_.clear_deadline();
  if (ec) throw_io_error(ec);
  bytes_sent_ += n;
}

awaitable<void> BeastExchange::send_file(int fd, uint64_t offset, uint64_t length) {
  if (!pending_head_.empty() && length <= kInlineFileLimit) {
    // A small body goes out in the same send(2) as its head: one syscall and
    // one packet instead of a head write and a sendfile.
    size_t head_size = pending_head_.size();
    pending_head_.resize(head_size + length);
    read_file_fully(fd, pending_head_.data() + head_size, length, offset);
    co_await flush_head(false);
    bytes_sent_ += length;
    co_return;
  }
  if (stream_.is_tls()) {
    co_await send_file_through_buffer(fd, offset, length);
    co_return;
  }
  // Corked, the kernel sends only full segments while the body streams, as
  // nginx's tcp_nopush does; uncorking at the end pushes out the last one.
  set_cork(true);
  if (!pending_head_.empty()) co_await flush_head(true);
  if (!socket_.native_non_blocking()) socket_.native_non_blocking(true);
  off_t position = static_cast<off_t>(offset);
  while (length > 0) {
    connection_.set_deadline(io_timeout_);
    ssize_t n = ::sendfile(socket_.native_handle(), fd, &position,
                           static_cast<size_t>(std::min<uint64_t>(length, kSendfileChunk)));
    if (n > 0) {
      length -= static_cast<uint64_t>(n);
      bytes_sent_ += static_cast<uint64_t>(n);
      continue;
    }
    int error = errno;
    if (n < 0 && co_await retry_after_send_error(error)) continue;
    // n == 0: the file is shorter than its metadata says; never send less
    // than the Content-Length promised without failing the connection.
    throw_io_error(n == 0 ? error_code(asio::error::eof)
                          : error_code(error, boost::system::system_category()));
  }
  set_cork(false);
  connection_.clear_deadline();
}

awaitable<void> BeastExchange::send_file_through_buffer(int fd, uint64_t offset, uint64_t length) {
  // 256 KiB: sixteen full TLS records per read, few enough pread calls not to
  // matter beside the encryption, and a bounded cost per connection.
  constexpr size_t kBufferSize = 256 * 1024;
  auto buffer = std::make_unique_for_overwrite<char[]>(kBufferSize);
  // The head leaves in the first write, before the first file bytes.
  size_t filled = std::min(pending_head_.size(), kBufferSize);
  std::memcpy(buffer.get(), pending_head_.data(), filled);
  if (filled < pending_head_.size()) co_await flush_head(false);
  pending_head_.clear();
  set_cork(true);
  while (length > 0 || filled > 0) {
    const size_t body_bytes = static_cast<size_t>(std::min<uint64_t>(length, kBufferSize - filled));
    read_file_fully(fd, buffer.get() + filled, body_bytes, offset);
    offset += body_bytes;
    length -= body_bytes;
    connection_.set_deadline(io_timeout_);
    auto [ec, n] = co_await asio::async_write(
        stream_, asio::buffer(buffer.get(), filled + body_bytes), kAwait);
    connection_.clear_deadline();
    if (ec) throw_io_error(ec);
    bytes_sent_ += body_bytes;
    filled = 0;
  }
  set_cork(false);
}

awaitable<bool> BeastExchange::retry_after_send_error(int error) {
  if (error == EINTR) co_return true;
  if (error != EAGAIN && error != EWOULDBLOCK) co_return false;
  auto [ec] = co_await socket_.async_wait(asio::ip::tcp::socket::wait_write, kAwait);
  if (ec) throw_io_error(ec);
  co_return true;
}

void BeastExchange::set_cork(bool on) {
  int value = on ? 1 : 0;
  // Best effort: a socket that refuses only loses the batching.
  (void)::setsockopt(socket_.native_handle(), IPPROTO_TCP, TCP_CORK, &value, sizeof value);
}

}  // namespace moss::http
