// One client connection: a linear coroutine that reads a request head, lets
// the handler serve it through a BeastExchange, and loops while the
// connection stays reusable. A watchdog coroutine on the same strand closes
// the socket when the current deadline passes (idle, slow head, stalled body).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <chrono>
#include <functional>
#include <memory>

#include "moss/http/server.h"

namespace moss::http {

// What the connection needs from the server.
struct ConnectionServices {
  const ServerConfig* config = nullptr;
  s3::S3Service* service = nullptr;
  Metrics* metrics = nullptr;
  std::function<bool()> ready;
  std::function<bool()> stopping;
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(boost::asio::ip::tcp::socket socket, ConnectionServices services);

  boost::asio::awaitable<void> run();
  // The connection's strand.
  boost::asio::any_io_executor executor() { return socket_.get_executor(); }
  // Called on the connection's strand at shutdown: closes it now if it is
  // between requests, else after the response in progress.
  void shutdown_when_idle();

  // The watchdog's view of progress.
  void set_deadline(std::chrono::steady_clock::duration from_now);
  bool timed_out() const { return timed_out_; }

 private:
  boost::asio::awaitable<void> watchdog();
  boost::asio::awaitable<bool> answer_operational(const s3::RequestHead& head, bool keep_alive);
  boost::asio::awaitable<void> reject_head(boost::system::error_code ec);
  void close();

  boost::asio::ip::tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
  boost::asio::steady_timer timer_;
  std::chrono::steady_clock::time_point deadline_;
  ConnectionServices services_;
  std::string remote_;
  bool idle_ = true;
  bool closing_ = false;
  bool timed_out_ = false;
  bool closed_ = false;
};

}  // namespace moss::http
