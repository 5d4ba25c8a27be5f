// The contract between the transport and the API it carries. The http layer
// knows nothing of S3: it parses heads, streams bodies and keeps connections;
// whoever serves requests implements RequestHandler (the S3 front door,
// s3::S3Service), and sees each request as one Exchange.
//
// An Exchange is one HTTP request/response as a handler sees it. The http
// layer implements it over a connection (BeastExchange); tests implement it in
// memory (tests/unit/support/memory_exchange.h).
//
// The request body is pulled by the handler (nothing is buffered ahead), and
// the response is either sent whole (a small XML or JSON document, an error)
// or as a head followed by body bytes written or sent from files (sendfile
// where the transport allows).
// I/O failures (disconnects, timeouts) throw boost::system::system_error; a
// body read that waited too long (no progress, or slower than the body rate
// floor) throws it with boost::asio::error::timed_out, and a chunked body
// whose framing outgrows the transport's bound (a chunk-size line with its
// extensions, or the trailer section, longer than a request head may be) with
// boost::asio::error::message_size.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace moss::http {

using boost::asio::awaitable;

using RequestHead = boost::beast::http::request_header<>;
using ResponseHead = boost::beast::http::response_header<>;
using StringResponse = boost::beast::http::response<boost::beast::http::string_body>;

class Exchange {
 public:
  virtual ~Exchange() = default;

  virtual const RequestHead& request() const = 0;
  virtual std::string_view remote_address() const = 0;
  // Whether the request came over TLS (for the absolute URLs an answer
  // builds, such as a Link header's next page).
  virtual bool secure() const { return false; }

  // Content-Length of the request, nullopt for a chunked body.
  virtual std::optional<uint64_t> content_length() const = 0;
  // Reads up to `buf.size()` body bytes, transfer coding removed; 0 means the
  // body is complete. The first call answers "Expect: 100-continue".
  virtual awaitable<size_t> read_body(std::span<uint8_t> buf) = 0;
  virtual bool body_complete() const = 0;

  // A whole response, sent as it is: the caller sets Content-Length
  // (prepare_payload()).
  virtual awaitable<void> send(StringResponse response) = 0;
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

// A request the transport refused before it could reach handle(): a head it
// could not accept, or a connection over the limit (answered before any head
// is read).
struct RejectedHead {
  enum class Reason {
    kHeaderTooLarge,      // over the configured head size
    kMalformed,           // not parseable as HTTP/1.1
    kTooManyConnections,  // ConnectionLimits::max_connections are open
  };
  Reason reason = Reason::kMalformed;
  std::string detail;           // the parser's words
  size_t max_header_bytes = 0;  // the limit, for kHeaderTooLarge
  size_t max_connections = 0;   // the limit, for kTooManyConnections
  std::string remote_address;
};

class RequestHandler {
 public:
  virtual ~RequestHandler() = default;

  // Serves one request. Never throws: failures become error responses, or
  // a connection marked for closing when the response had already begun.
  virtual awaitable<void> handle(Exchange& ex) = 0;

  // The answer to a head the transport rejected, in the API's own error
  // format; also records it (access log, metrics) like any request. The
  // connection writes it and closes.
  virtual StringResponse reject(const RejectedHead& rejected) = 0;

  // A fresh request id, for answers the transport gives itself (/healthz).
  virtual std::string next_request_id() = 0;
};

}  // namespace moss::http
