// The byte stream of one client connection: the TCP socket itself, or TLS
// over it (Beast's ssl_stream; OpenSSL does the handshake and the records).
// Connection and BeastExchange read and write through it, so HTTP parsing and
// the Exchange contract are the same either way; what only a plain socket
// allows (sendfile(2), send(2) with MSG_MORE) asks is_tls() first.
//
// It is an Asio AsyncReadStream and AsyncWriteStream: the choice between the
// two is made per operation at run time, with one completion signature, so
// Beast's composed reads and writes take it as they take a socket.
#pragma once

#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <cstddef>
#include <memory>

namespace moss::http {

class ConnectionStream {
 public:
  using executor_type = boost::asio::ip::tcp::socket::executor_type;

  // TLS with `tls_context` (held for the connection's life, so a reload
  // never pulls it from under a session), or the plain socket when null.
  ConnectionStream(boost::asio::ip::tcp::socket& socket,
                   std::shared_ptr<boost::asio::ssl::context> tls_context);
  ConnectionStream(const ConnectionStream&) = delete;
  ConnectionStream& operator=(const ConnectionStream&) = delete;

  executor_type get_executor() { return socket_.get_executor(); }
  bool is_tls() const { return tls_ != nullptr; }
  // The TCP socket underneath (options, shutdown, close, the raw
  // descriptor); bytes written to it directly bypass TLS.
  boost::asio::ip::tcp::socket& socket() { return socket_; }

  // The server side of the TLS handshake (no-op when plain).
  boost::asio::awaitable<boost::system::error_code> handshake();
  // Sends TLS close_notify and waits for the peer's (no-op when plain). The
  // caller bounds the wait with its deadline.
  boost::asio::awaitable<boost::system::error_code> shutdown_tls();

  template <class MutableBufferSequence, class Token>
  auto async_read_some(const MutableBufferSequence& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        [this](auto handler, const MutableBufferSequence& b) {
          if (tls_) {
            tls_->async_read_some(b, std::move(handler));
          } else {
            socket_.async_read_some(b, std::move(handler));
          }
        },
        token, buffers);
  }

  template <class ConstBufferSequence, class Token>
  auto async_write_some(const ConstBufferSequence& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        [this](auto handler, const ConstBufferSequence& b) {
          if (tls_) {
            tls_->async_write_some(b, std::move(handler));
          } else {
            socket_.async_write_some(b, std::move(handler));
          }
        },
        token, buffers);
  }

 private:
  boost::asio::ip::tcp::socket& socket_;
  std::shared_ptr<boost::asio::ssl::context> tls_context_;
  std::unique_ptr<boost::beast::ssl_stream<boost::asio::ip::tcp::socket&>> tls_;
};

}  // namespace moss::http
