// One HTTP request/response exchange as the S3 layer sees it. The http layer
// implements it over a connection; tests can implement it in memory.
//
// The request body is pulled by the handler (nothing is buffered ahead), and
// the response is either sent whole (small XML) or as a head followed by body
// bytes written or sent from files (zero-copy where the transport allows).
// I/O failures (disconnects, timeouts) throw boost::system::system_error.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace moss::s3 {

namespace http = boost::beast::http;
using boost::asio::awaitable;

using RequestHead = http::request_header<>;
using ResponseHead = http::response_header<>;

class Exchange {
 public:
  virtual ~Exchange() = default;

  virtual const RequestHead& request() const = 0;
  virtual std::string_view remote_address() const = 0;

  // Content-Length of the request, nullopt for a chunked body.
  virtual std::optional<uint64_t> content_length() const = 0;
  // Reads up to `buf.size()` body bytes, transfer coding removed; 0 means the
  // body is complete. The first call answers "Expect: 100-continue".
  virtual awaitable<size_t> read_body(std::span<uint8_t> buf) = 0;
  virtual bool body_complete() const = 0;

  // A whole response; Content-Length is set from the body.
  virtual awaitable<void> send(http::response<http::string_body> response) = 0;
  // A head whose Content-Length the caller has set, then exactly that many
  // bytes through send_body / send_file.
  virtual awaitable<void> send_head(ResponseHead head) = 0;
  virtual awaitable<void> send_body(std::span<const uint8_t> bytes) = 0;
  virtual awaitable<void> send_file(int fd, uint64_t offset, uint64_t length) = 0;
  virtual bool head_sent() const = 0;

  // The connection cannot be reused after this exchange (e.g. an unread body).
  virtual void close_after_response() = 0;

  // The status of the response sent (0 before send/send_head).
  virtual int response_status() const = 0;
  virtual uint64_t bytes_received() const = 0;  // request body bytes
  virtual uint64_t bytes_sent() const = 0;      // response body bytes
};

}  // namespace moss::s3
