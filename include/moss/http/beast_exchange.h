// Exchange over a Beast request parser and a connection's stream (plain TCP
// or TLS). Chunked request bodies are pulled through the buffer_body parser
// (Beast removes the transfer coding); Content-Length bodies are read straight
// into the caller's buffer. Response bodies are written directly or, on a
// plain connection, sent from files with sendfile(2), so object bytes never
// pass through user space on a GET; over TLS a file is read through a fixed
// buffer and encrypted by OpenSSL (docs/tls.md says why not kernel TLS).
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <chrono>
#include <string>

#include "moss/http/body_rate_floor.h"
#include "moss/http/connection_stream.h"
#include "moss/http/exchange.h"

namespace moss::http {

class Connection;

class BeastExchange final : public Exchange {
 public:
  // `head_buffer`: the connection's buffer for response heads, reused by each
  // of its requests (it arrives empty).
  BeastExchange(Connection& connection, ConnectionStream& stream, boost::beast::flat_buffer& buffer,
                std::string& head_buffer,
                boost::beast::http::request_parser<boost::beast::http::buffer_body>& parser,
                std::string_view remote, std::chrono::seconds io_timeout, bool keep_alive);

  const RequestHead& request() const override;
  std::string_view remote_address() const override { return remote_; }
  bool secure() const override;
  std::optional<uint64_t> content_length() const override;
  awaitable<size_t> read_body(std::span<uint8_t> buf) override;
  bool body_complete() const override;

  awaitable<void> send(StringResponse response) override;
  awaitable<void> send_head(ResponseHead head) override;
  awaitable<void> send_body(std::span<const uint8_t> bytes) override;
  awaitable<void> send_file(int fd, uint64_t offset, uint64_t length) override;
  bool head_sent() const override { return head_sent_; }
  void close_after_response() override { keep_alive_ = false; }
  int response_status() const override { return status_; }
  uint64_t bytes_received() const override { return bytes_received_; }
  uint64_t bytes_sent() const override { return bytes_sent_; }

  // False once the handler or a server shutdown ruled out another request.
  bool keep_alive() const;
  // Sends a response head that send_head() left pending because no body
  // followed it (HEAD, empty objects). The connection calls it after the
  // handler; it throws like the send functions.
  awaitable<void> finish();

 private:
  bool expects_continue() const;
  awaitable<void> send_continue_if_expected();
  awaitable<size_t> read_sized_body(std::span<uint8_t> buf);
  // Reads more of a chunked body into the connection's buffer for the parser.
  awaitable<void> read_chunk_framing();
  // Around each body read: arms its deadline (no progress for io_timeout, or
  // the body falling below the rate floor, whichever comes first), then
  // counts what the wait brought; a failed read is thrown in the
  // Exchange's terms (exchange.h).
  std::chrono::steady_clock::time_point begin_body_read();
  void end_body_read(std::chrono::steady_clock::time_point started, size_t bytes);
  [[noreturn]] void throw_body_read_error(boost::system::error_code ec);
  [[noreturn]] void throw_io_error(boost::system::error_code ec) const;
  // `size` bytes of the file `fd` at `offset` into `out`, or an I/O error
  // thrown: a body never goes out shorter than its Content-Length promised.
  void read_file_fully(int fd, char* out, size_t size, uint64_t offset) const;
  // Writes pending_head_ with send(2); `more` (MSG_MORE) tells the kernel a
  // body follows at once, so head and body leave in the same packets.
  awaitable<void> flush_head(bool more);
  // After a non-blocking send(2) or sendfile(2) failed with `error`: true when
  // the call should be retried (interrupted, or the socket is writable again).
  awaitable<bool> retry_after_send_error(int error);
  void set_cork(bool on);
  // send_file over TLS: the head (if pending) and the file's bytes through
  // a fixed buffer, each write one or more TLS records.
  awaitable<void> send_file_through_buffer(int fd, uint64_t offset, uint64_t length);

  Connection& connection_;
  ConnectionStream& stream_;
  boost::asio::ip::tcp::socket& socket_;  // the stream's, for sendfile(2) and options
  boost::beast::flat_buffer& buffer_;
  boost::beast::http::request_parser<boost::beast::http::buffer_body>& parser_;
  // A head from send_head() not yet on the wire: it goes out with the first
  // body bytes (small files in the same send(2)), or in finish(). The
  // connection's buffer, so a small GET allocates no head buffer of its own.
  std::string& pending_head_;
  std::string remote_;
  std::chrono::seconds io_timeout_;
  bool keep_alive_;
  uint64_t sized_body_remaining_ = 0;  // Content-Length bodies
  BodyRateFloor rate_floor_;
  bool read_limited_by_rate_ = false;  // the pending read's deadline is the floor's
  bool continue_sent_ = false;         // "100 Continue" went out
  bool head_sent_ = false;
  int status_ = 0;
  uint64_t bytes_received_ = 0;
  uint64_t bytes_sent_ = 0;
};

}  // namespace moss::http
