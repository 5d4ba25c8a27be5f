#include "moss/http/connection.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <spdlog/spdlog.h>

#include "moss/http/beast_exchange.h"
#include "moss/s3/errors.h"
#include "moss/s3/responses.h"

namespace moss::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using boost::system::error_code;

namespace {

constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);

// Operational endpoints are answered only to unsigned requests, so a bucket
// that happens to be named "metrics" stays reachable through S3.
bool is_signed(const s3::RequestHead& head) {
  if (head.find(bhttp::field::authorization) != head.end()) return true;
  return head.target().find("X-Amz-") != std::string_view::npos;
}

}  // namespace

Connection::Connection(asio::ip::tcp::socket socket, ConnectionServices services)
    : socket_(std::move(socket)),
      timer_(socket_.get_executor()),
      services_(std::move(services)) {
  error_code ec;
  auto endpoint = socket_.remote_endpoint(ec);
  remote_ = ec ? std::string("unknown") : endpoint.address().to_string();
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
}

void Connection::set_deadline(std::chrono::steady_clock::duration from_now) {
  deadline_ = std::chrono::steady_clock::now() + from_now;
}

void Connection::close() {
  if (closed_) return;
  closed_ = true;
  error_code ec;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  timer_.cancel();
}

void Connection::shutdown_when_idle() {
  closing_ = true;
  if (idle_) close();
}

asio::awaitable<void> Connection::watchdog() {
  auto self = shared_from_this();
  while (!closed_) {
    timer_.expires_at(deadline_);
    co_await timer_.async_wait(kAwait);
    if (closed_) break;
    if (std::chrono::steady_clock::now() >= deadline_) {
      timed_out_ = true;
      close();
    }
  }
}

asio::awaitable<bool> Connection::answer_operational(const s3::RequestHead& head,
                                                     bool keep_alive) {
  if (is_signed(head)) co_return false;
  std::string_view path = head.target().substr(0, head.target().find('?'));
  bhttp::response<bhttp::string_body> res;
  res.version(head.version());
  res.set(bhttp::field::server, "moss");
  if (path == "/healthz") {
    res.result(bhttp::status::ok);
    res.body() = "ok\n";
  } else if (path == "/readyz") {
    bool ready = !services_.stopping() && services_.ready();
    res.result(ready ? bhttp::status::ok : bhttp::status::service_unavailable);
    res.body() = ready ? "ready\n" : "not ready\n";
  } else if (path == "/metrics") {
    res.result(bhttp::status::ok);
    res.set(bhttp::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
    res.body() = services_.metrics->render();
  } else {
    co_return false;
  }
  if (res.find(bhttp::field::content_type) == res.end()) {
    res.set(bhttp::field::content_type, "text/plain; charset=utf-8");
  }
  res.keep_alive(keep_alive && !closing_);
  res.prepare_payload();
  set_deadline(services_.config->io_timeout);
  auto [ec, n] = co_await bhttp::async_write(socket_, res, kAwait);
  co_return !ec;
}

asio::awaitable<void> Connection::reject_head(error_code ec) {
  // Parse failures are answered (when possible) in S3's terms, then the
  // connection ends: what follows the bad head cannot be trusted.
  s3::S3Error error = ec == bhttp::error::header_limit
                          ? s3::S3Error(s3::S3ErrorCode::kRequestHeaderSectionTooLarge)
                                .with("MaxSizeAllowed",
                                      std::to_string(services_.config->max_header_bytes))
                          : s3::S3Error(s3::S3ErrorCode::kInvalidRequest,
                                        "The HTTP request could not be parsed: " + ec.message());
  std::string request_id = services_.service->next_request_id();
  spdlog::info("rejected request from {} ({}): {}", remote_, request_id, ec.message());
  auto res = s3::error_response(error, "/", request_id, 11);
  res.keep_alive(false);
  set_deadline(services_.config->io_timeout);
  co_await bhttp::async_write(socket_, res, kAwait);
  services_.metrics->record_request("Malformed", static_cast<int>(res.result_int()), 0, 0, 0);
}

asio::awaitable<void> Connection::run() {
  auto self = shared_from_this();
  const auto& config = *services_.config;
  set_deadline(config.idle_timeout);
  asio::co_spawn(socket_.get_executor(), watchdog(), asio::detached);

  while (!closed_) {
    bhttp::request_parser<bhttp::buffer_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(config.max_header_bytes));
    parser.body_limit(boost::none);  // sizes are the S3 layer's to enforce

    idle_ = true;
    if (closing_) break;
    // The head must be complete within header_timeout of the connection
    // becoming busy; an idle keep-alive connection gets idle_timeout.
    set_deadline(buffer_.size() ? config.header_timeout : config.idle_timeout);
    auto [ec, n] = co_await bhttp::async_read_header(socket_, buffer_, parser, kAwait);
    idle_ = false;
    if (ec) {
      bool quiet = ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
                   ec == asio::error::connection_reset || ec == asio::error::operation_aborted ||
                   timed_out_ || closed_;
      if (!quiet) co_await reject_head(ec);
      break;
    }

    const auto& head = parser.get().base();
    const bool keep_alive = parser.keep_alive();
    if (co_await answer_operational(head, keep_alive)) {
      if (!keep_alive || closing_) break;
      continue;
    }

    BeastExchange exchange(*this, socket_, buffer_, parser, remote_, config.io_timeout,
                           keep_alive && !closing_ && !services_.stopping());
    co_await services_.service->handle(exchange);
    if (!exchange.keep_alive() || !exchange.head_sent() || closed_) break;
    if (!parser.is_done()) break;  // an unread body would be parsed as the next request
  }
  close();
}

}  // namespace moss::http
