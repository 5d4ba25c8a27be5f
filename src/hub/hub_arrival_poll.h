// How a request waits for more of an arriving file (hub_mirror/arriving_file.h):
// a short timer on the request's own executor, so that waiting costs no
// thread, however many requests follow one upstream transfer. A poll rather
// than a notification: the transfer runs on another thread, and a timer
// cancelled from there would race with the connection's own use of it.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>

namespace moss::s3 {

class ArrivalPoll {
 public:
  explicit ArrivalPoll(boost::asio::any_io_executor executor) : timer_(std::move(executor)) {}

  boost::asio::awaitable<void> wait() {
    timer_.expires_after(kInterval);
    co_await timer_.async_wait(boost::asio::use_awaitable);
  }

  // Short against a network's round trip; a waiting request wakes at most
  // this often, and each wake sends everything that arrived meanwhile.
  static constexpr std::chrono::milliseconds kInterval{10};

 private:
  boost::asio::steady_timer timer_;
};

}  // namespace moss::s3
