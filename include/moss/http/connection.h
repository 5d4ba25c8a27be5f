// One client connection: a linear coroutine that reads a request head, lets
// the handler serve it through a BeastExchange, and loops while the
// connection stays reusable. A watchdog coroutine on the same thread enforces
// the deadline of the network wait in progress (idle, slow head, stalled body
// or response); time a handler spends on the disk is not limited. Over TLS
// the connection begins with the handshake, under the header deadline.
//
// A connection that ends while the client may still be sending (an unread
// body, a rejected head) is half-closed and drained for a while before it is
// closed: closing with unread input makes the kernel answer with a reset,
// which can destroy the error response before the client has read it.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "moss/http/connection_stream.h"
#include "moss/http/server.h"

namespace moss::http {

class TlsContext;

// What the connection needs from the server.
struct ConnectionServices {
  const ServerConfig* config = nullptr;
  RequestHandler* handler = nullptr;
  Metrics* metrics = nullptr;
  std::function<std::string()> not_ready;  // why the server cannot serve now; "" when it can
  std::function<bool()> stopping;
  // Set: the connection begins with a TLS handshake (http/tls_context.h).
  TlsContext* tls = nullptr;
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(boost::asio::ip::tcp::socket socket, ConnectionServices services);

  boost::asio::awaitable<void> run();
  // Serves nothing: answers a connection over ConnectionLimits::max_connections
  // with the handler's rejection, drains and closes it. Over TLS the answer
  // follows a handshake that must complete within a couple of seconds.
  boost::asio::awaitable<void> turn_away();
  // The executor of the connection's network thread.
  boost::asio::any_io_executor executor() { return socket_.get_executor(); }
  // Called on the connection's thread at shutdown: closes it now if it is
  // between requests, else after the response in progress.
  void shutdown_when_idle();

  // What the watchdog does when a deadline passes: close the connection, or
  // cancel the pending operation so the request can still be answered
  // (RequestTimeout for a stalled body); a second expiry then closes.
  enum class OnExpiry { kClose, kCancel };
  // Arms the deadline for the network wait about to start.
  void set_deadline(std::chrono::steady_clock::duration from_now,
                    OnExpiry on_expiry = OnExpiry::kClose);
  // No network wait in progress (the handler is working): no deadline.
  void clear_deadline();
  bool timed_out() const { return timed_out_; }
  // The server is shutting down: responses should say "Connection: close".
  bool closing() const { return closing_; }
  const ConnectionLimits& limits() const { return services_.config->limits; }
  Metrics& metrics() const { return *services_.metrics; }

 private:
  boost::asio::awaitable<void> watchdog();
  boost::asio::awaitable<bool> answer_operational(const RequestHead& head, bool keep_alive);
  boost::asio::awaitable<void> reject_head(boost::system::error_code ec);
  boost::asio::awaitable<void> send_rejection(const RejectedHead& rejected);
  boost::asio::awaitable<void> linger();
  // The TLS handshake, which must complete within `limit`.
  boost::asio::awaitable<bool> handshake(std::chrono::steady_clock::duration limit);
  void close();

  boost::asio::ip::tcp::socket socket_;
  // Reads and writes go through the stream (TLS or not); socket_ is for
  // what only TCP does (shutdown, close, cancel, lingering).
  ConnectionStream stream_;
  boost::beast::flat_buffer buffer_;
  // Response heads (and small bodies sent with them), one request at a time.
  std::string head_buffer_;
  static constexpr size_t kKeptHeadBufferBytes = 16 * 1024;
  boost::asio::steady_timer timer_;
  std::chrono::steady_clock::time_point deadline_ = std::chrono::steady_clock::time_point::max();
  OnExpiry on_expiry_ = OnExpiry::kClose;
  ConnectionServices services_;
  std::string remote_;
  bool idle_ = true;
  bool closing_ = false;
  bool timed_out_ = false;
  bool closed_ = false;
};

}  // namespace moss::http
