#include "moss/http/connection_stream.h"

#include "http/awaitable_io.h"

namespace moss::http {

ConnectionStream::ConnectionStream(asio::ip::tcp::socket& socket,
                                   std::shared_ptr<asio::ssl::context> tls_context)
    : socket_(socket), tls_context_(std::move(tls_context)) {
  if (tls_context_) {
    tls_ = std::make_unique<beast::ssl_stream<asio::ip::tcp::socket&>>(socket_, *tls_context_);
  }
}

asio::awaitable<error_code> ConnectionStream::handshake() {
  if (!tls_) co_return error_code{};
  auto [ec] = co_await tls_->async_handshake(asio::ssl::stream_base::server, kAwait);
  co_return ec;
}

asio::awaitable<error_code> ConnectionStream::shutdown_tls() {
  if (!tls_) co_return error_code{};
  auto [ec] = co_await tls_->async_shutdown(kAwait);
  co_return ec;
}

}  // namespace moss::http
