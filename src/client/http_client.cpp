// Each blocking operation is an asynchronous Beast operation run to completion
// on a private io_context: that is what gives beast::tcp_stream's timeouts to
// a synchronous client. An https endpoint adds TLS over the same tcp_stream
// (so its timeouts still apply), the server's certificate verified.
#include "moss/client/http_client.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <cerrno>
#include <cstring>
#include <limits>

#include "moss/util/ascii.h"
#include "moss/version.h"

namespace moss::client {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

constexpr size_t kChunk = 256 << 10;

// A Content-Length body is read with blocking recv(MSG_WAITALL) into a buffer
// this big: a 1 GiB body is ~1,000 reads instead of ~2 million 512-byte
// reads each re-arming the stream's timer (the Beast read path below).
constexpr size_t kBodyReadSize = 1 << 20;

using TlsStream = beast::ssl_stream<beast::tcp_stream&>;

// The connection's bytes: the TCP stream, or TLS over it when `tls` is set.
// An Asio stream either way, so Beast's reads and writes take it.
struct ClientStream {
  beast::tcp_stream& tcp;
  std::unique_ptr<TlsStream>& tls;

  using executor_type = beast::tcp_stream::executor_type;
  executor_type get_executor() { return tcp.get_executor(); }

  template <class Buffers, class Token>
  auto async_read_some(const Buffers& buffers, Token&& token) {
    return asio::async_initiate<Token, void(error_code, size_t)>(
        [this](auto handler, const Buffers& b) {
          if (tls) {
            tls->async_read_some(b, std::move(handler));
          } else {
            tcp.async_read_some(b, std::move(handler));
          }
        },
        token, buffers);
  }
  template <class Buffers, class Token>
  auto async_write_some(const Buffers& buffers, Token&& token) {
    return asio::async_initiate<Token, void(error_code, size_t)>(
        [this](auto handler, const Buffers& b) {
          if (tls) {
            tls->async_write_some(b, std::move(handler));
          } else {
            tcp.async_write_some(b, std::move(handler));
          }
        },
        token, buffers);
  }
};

}  // namespace

Result<size_t, std::string> StringSource::read(std::span<uint8_t> out) {
  size_t n = std::min(out.size(), text_.size() - offset_);
  std::memcpy(out.data(), text_.data() + offset_, n);
  offset_ += n;
  return n;
}

std::string_view HttpResponse::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (ascii_iequals(n, name)) return v;
  }
  return {};
}

bool HttpResponse::has_header(std::string_view name) const {
  return std::any_of(headers.begin(), headers.end(),
                     [&](const auto& h) { return ascii_iequals(h.first, name); });
}

struct HttpClient::Connection {
  asio::io_context ioc;
  beast::tcp_stream tcp{ioc};
  std::unique_ptr<asio::ssl::context> tls_context;  // https: made at the first connect
  std::unique_ptr<TlsStream> tls;                   // https: one session per connection
  ClientStream stream{tcp, tls};
  beast::flat_buffer buffer;
  std::vector<char> chunk = std::vector<char>(kChunk);
  std::vector<uint8_t> body_buffer;  // kBodyReadSize, allocated on the first large body
  bool open = false;

  // Runs the asynchronous operation `start` begins to completion, cancelling
  // it when it makes no progress for `timeout`.
  template <class Start>
  error_code run(std::chrono::seconds timeout, Start start) {
    error_code result = asio::error::would_block;
    tcp.expires_after(timeout);
    start([&result](error_code ec, auto&&...) { result = ec; });
    ioc.restart();
    ioc.run();
    return result;
  }

  void close() {
    error_code ignored;
    tcp.socket().shutdown(tcp::socket::shutdown_both, ignored);
    tcp.close();
    tls.reset();
    buffer.clear();
    open = false;
  }
};

HttpClient::HttpClient(Endpoint endpoint, HttpTimeouts timeouts)
    : endpoint_(std::move(endpoint)),
      timeouts_(timeouts),
      connection_(std::make_unique<Connection>()) {}

HttpClient::~HttpClient() {
  if (connection_->open) connection_->close();
}

namespace {

std::string describe_io_error(const error_code& ec, std::chrono::seconds timeout,
                              std::string_view doing) {
  if (ec == beast::error::timeout) {
    return "timed out " + std::string(doing) + " (no progress for " +
           std::to_string(timeout.count()) + " s)";
  }
  if (ec == bhttp::error::end_of_stream || ec == asio::error::eof) {
    return "the server closed the connection " + std::string(doing);
  }
  return ec.message() + " " + std::string(doing);
}

// What a write to, or read from, a connection the peer closed fails with.
bool is_closed_connection(const error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::ssl::error::stream_truncated || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == asio::error::connection_aborted;
}

// Reads exactly `length` body bytes from the socket of `stream`, whose first
// bytes may already sit in `buffer`, handing them to `sink` in pieces of up to
// kBodyReadSize (received into the sink's own memory when it offers some). The socket is made
// blocking for the duration with SO_RCVTIMEO = `timeout`: the kernel enforces "no progress for
// `timeout`", with no timer to re-arm per read. Returns an error text, empty on success.
std::string read_sized_body(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                            std::vector<uint8_t>& scratch, uint64_t length, BodySink& sink,
                            std::chrono::seconds timeout, std::string* local_error) {
  uint64_t left = length;
  const size_t buffered = static_cast<size_t>(std::min<uint64_t>(buffer.size(), left));
  if (buffered) {
    auto data = buffer.data();
    if (auto werr = sink.write({static_cast<const uint8_t*>(data.data()), buffered})) {
      *local_error = werr.message();
      return "";
    }
    buffer.consume(buffered);
    left -= buffered;
  }
  if (left == 0) return "";
  const int fd = stream.socket().native_handle();
  const int flags = ::fcntl(fd, F_GETFL);
  struct timeval tv {};
  tv.tv_sec = static_cast<time_t>(timeout.count());
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0 ||
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0) {
    return std::string("socket setup: ") + std::strerror(errno);
  }
  std::string failure;
  while (left > 0) {
    std::span<uint8_t> target = sink.receive_buffer();
    if (target.empty()) {
      if (scratch.size() != kBodyReadSize) scratch.resize(kBodyReadSize);
      target = scratch;
    }
    const size_t want = static_cast<size_t>(std::min<uint64_t>(target.size(), left));
    ssize_t n = ::recv(fd, target.data(), want, sink.wants_bytes_as_received() ? 0 : MSG_WAITALL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      failure = "timed out receiving the response body (no progress for " +
                std::to_string(timeout.count()) + " s)";
      break;
    }
    if (n < 0) {
      failure = std::string(std::strerror(errno)) + " receiving the response body";
      break;
    }
    if (n == 0) {
      failure = "the server closed the connection receiving the response body";
      break;
    }
    if (auto werr = sink.write(target.first(static_cast<size_t>(n)))) {
      *local_error = werr.message();
      break;
    }
    left -= static_cast<uint64_t>(n);
  }
  (void)::fcntl(fd, F_SETFL, flags);
  return failure;
}

}  // namespace

std::string HttpClient::start_tls() {
  auto& c = *connection_;
  error_code ec;
  if (!c.tls_context) {
    auto context = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
    if (endpoint_.ca_file.empty()) {
      context->set_default_verify_paths(ec);
    } else {
      context->load_verify_file(endpoint_.ca_file, ec);
    }
    if (ec) {
      return "cannot load the CA bundle " +
             (endpoint_.ca_file.empty() ? std::string("of the system") : endpoint_.ca_file) + ": " +
             ec.message();
    }
    c.tls_context = std::move(context);
  }
  c.tls = std::make_unique<TlsStream>(c.tcp, *c.tls_context);
  c.tls->set_verify_mode(asio::ssl::verify_peer);
  c.tls->set_verify_callback(asio::ssl::host_name_verification(endpoint_.host));
  // SNI names the host (never an address), for servers with several certificates.
  if (asio::ip::make_address(endpoint_.host, ec); ec) {
    SSL_set_tlsext_host_name(c.tls->native_handle(), endpoint_.host.c_str());
  }
  ec = c.run(timeouts_.connect, [&](auto handler) {
    c.tls->async_handshake(asio::ssl::stream_base::client, std::move(handler));
  });
  if (!ec) return {};
  std::string why = ec == beast::error::timeout ? "timed out" : ec.message();
  const long verify = SSL_get_verify_result(c.tls->native_handle());
  if (verify != X509_V_OK) {
    why += std::string(" (") + X509_verify_cert_error_string(verify) +
           (endpoint_.ca_file.empty() ? "; set --ca-file or MOSS_CA_FILE to the server's CA"
                                      : "; with the CA bundle " + endpoint_.ca_file) +
           ")";
  }
  return "TLS handshake failed: " + why;
}

Result<HttpResponse, ClientError> HttpClient::send(const HttpRequest& request,
                                                   const SinkChooser& choose_sink) {
  auto& c = *connection_;
  for (int attempt = 0;; ++attempt) {
    const bool reused = c.open;
    if (!c.open) {
      tcp::resolver resolver(c.ioc);
      error_code ec;
      auto addresses = resolver.resolve(endpoint_.host, std::to_string(endpoint_.port), ec);
      if (ec) {
        return fail(
            ClientError::transport("cannot resolve " + endpoint_.host + ": " + ec.message()));
      }
      ec = c.run(timeouts_.connect,
                 [&](auto handler) { c.tcp.async_connect(addresses, std::move(handler)); });
      if (ec) {
        c.close();
        std::string why = ec == beast::error::timeout ? "timed out" : ec.message();
        return fail(ClientError::transport("cannot connect to " + endpoint_.url() + ": " + why));
      }
      c.tcp.socket().set_option(tcp::no_delay(true), ec);
      if (endpoint_.https) {
        if (auto failed = start_tls(); !failed.empty()) {
          c.close();
          return fail(ClientError::transport(endpoint_.url() + ": " + failed));
        }
      }
      c.open = true;
    }

    // --- Request: the head, then the body through the fixed buffer.
    bhttp::request<bhttp::buffer_body> req;
    req.version(11);
    req.method_string(request.method);
    req.target(request.target);
    bool has_host = false;
    for (const auto& [name, value] : request.headers) {
      if (ascii_iequals(name, "host")) has_host = true;
      req.insert(name, value);
    }
    if (!has_host) req.set(bhttp::field::host, endpoint_.host_header());
    req.set(bhttp::field::user_agent, std::string("moss/") + kVersion);
    const uint64_t length = request.body ? request.body->size() : 0;
    if (request.body || request.method == "PUT" || request.method == "POST") {
      req.content_length(length);
    }
    req.body().data = nullptr;
    req.body().more = length > 0;

    std::string failure;
    bhttp::request_serializer<bhttp::buffer_body> serializer(req);
    error_code ec = c.run(timeouts_.io, [&](auto handler) {
      bhttp::async_write_header(c.stream, serializer, std::move(handler));
    });
    uint64_t sent = 0;
    error_code write_error = ec;
    bool write_failed = static_cast<bool>(ec);
    if (ec) failure = describe_io_error(ec, timeouts_.io, "sending the request");
    while (!write_failed && !serializer.is_done()) {
      size_t n = 0;
      if (sent < length) {
        auto chunk = std::span(reinterpret_cast<uint8_t*>(c.chunk.data()),
                               static_cast<size_t>(std::min<uint64_t>(kChunk, length - sent)));
        auto got = request.body->read(chunk);
        if (!got) {
          c.close();
          return fail(ClientError::local(got.error()));
        }
        n = *got;
        if (n == 0) {
          c.close();
          return fail(ClientError::local("the request body ended after " + std::to_string(sent) +
                                         " of " + std::to_string(length) + " bytes"));
        }
      }
      req.body().data = n ? c.chunk.data() : nullptr;
      req.body().size = n;
      req.body().more = n > 0;
      ec = c.run(timeouts_.io, [&](auto handler) {
        bhttp::async_write(c.stream, serializer, std::move(handler));
      });
      if (ec == bhttp::error::need_buffer) ec = {};
      if (ec) {
        write_failed = true;
        write_error = ec;
        failure = describe_io_error(ec, timeouts_.io, "sending the request body");
        break;
      }
      sent += n;
      if (n && request.on_body_sent) request.on_body_sent(n);
    }

    // --- Response head. After a failed write the server may still have
    // answered (it refuses a body it will not take, then closes): read it.
    bhttp::response_parser<bhttp::buffer_body> parser;
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    parser.header_limit(64 << 10);
    if (request.method == "HEAD") parser.skip(true);
    ec = c.run(write_failed ? std::chrono::seconds(5) : timeouts_.io, [&](auto handler) {
      bhttp::async_read_header(c.stream, c.buffer, parser, std::move(handler));
    });
    if (ec) {
      if (!write_failed) failure = describe_io_error(ec, timeouts_.io, "waiting for the response");
      c.close();
      // A kept-alive connection the server closed in the meantime (not a
      // slow server: that request may have been acted on): once more on a
      // new connection.
      const bool stale = is_closed_connection(write_failed ? write_error : ec);
      if (stale && reused && attempt == 0 && (!request.body || request.body->rewind())) continue;
      return fail(ClientError::transport(endpoint_.url() + ": " + failure));
    }

    HttpResponse response;
    response.status = static_cast<int>(parser.get().result_int());
    for (const auto& field : parser.get()) {
      response.headers.emplace_back(ascii_lowercase(field.name_string()),
                                    std::string(field.value()));
    }
    BodySink* sink = choose_sink ? choose_sink(response) : nullptr;

    // --- A sized body for a sink: large blocking reads (see read_sized_body).
    // Plain TCP only: TLS records must go through the TLS stream below.
    if (sink && !c.tls && !parser.is_done() && !parser.chunked() && parser.content_length()) {
      std::string local_error;
      std::string failure_text =
          read_sized_body(c.tcp, c.buffer, c.body_buffer, *parser.content_length(), *sink,
                          timeouts_.io, &local_error);
      if (!local_error.empty()) {
        c.close();
        return fail(ClientError::local(local_error));
      }
      if (!failure_text.empty()) {
        c.close();
        return fail(ClientError::transport(endpoint_.url() + ": " + failure_text));
      }
      if (write_failed || !parser.keep_alive()) c.close();
      return response;
    }

    // --- Response body, through the same buffer, or into the sink's own
    // memory when it offers some (TLS: a hand-over per 256 KiB piece).
    while (!parser.is_done()) {
      // At most kChunk at a time, as through the client's own buffer: the
      // parser copies the body in from its buffer either way, and whole
      // 1 MiB pieces were not measurably faster here.
      std::span<uint8_t> target = sink ? sink->receive_buffer() : std::span<uint8_t>();
      if (target.empty()) target = std::span(reinterpret_cast<uint8_t*>(c.chunk.data()), kChunk);
      target = target.first(std::min(target.size(), kChunk));
      parser.get().body().data = target.data();
      parser.get().body().size = target.size();
      const bool as_received = sink && sink->wants_bytes_as_received();
      ec = c.run(timeouts_.io, [&](auto handler) {
        if (as_received) {
          bhttp::async_read_some(c.stream, c.buffer, parser, std::move(handler));
        } else {
          bhttp::async_read(c.stream, c.buffer, parser, std::move(handler));
        }
      });
      if (ec == bhttp::error::need_buffer) ec = {};
      const size_t n = target.size() - parser.get().body().size;
      if (n) {
        auto data = std::span<const uint8_t>(target.data(), n);
        if (sink) {
          if (auto werr = sink->write(data)) {
            c.close();
            return fail(ClientError::local(werr.message()));
          }
        } else if (response.body.size() < kMaxCollectedBody) {
          response.body.append(reinterpret_cast<const char*>(target.data()),
                               std::min(n, kMaxCollectedBody - response.body.size()));
        }
      }
      if (ec) {
        c.close();
        return fail(ClientError::transport(
            endpoint_.url() + ": " +
            describe_io_error(ec, timeouts_.io, "receiving the response body")));
      }
    }
    if (write_failed || !parser.keep_alive()) c.close();
    return response;
  }
}

}  // namespace moss::client
