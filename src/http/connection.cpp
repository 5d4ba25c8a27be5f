#include "moss/http/connection.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "http/awaitable_io.h"
#include "http/tls_context.h"
#include "moss/http/beast_exchange.h"
#include "moss/util/metrics.h"

namespace moss::http {

namespace {

// Draining a connection before closing it (see the header) stops once the
// client has been quiet this long, or after kLingerLimit in all.
constexpr std::chrono::seconds kLingerQuiet{2};
constexpr std::chrono::seconds kLingerLimit{10};
// A connection turned away over TLS gets this long (at most the header
// deadline) to complete the handshake its 503 needs: refusing must stay cheap.
constexpr std::chrono::seconds kRefusalHandshakeLimit{2};
// The read buffer is never smaller than what the first read of a request asks for.
constexpr size_t kMinReadBuffer = 8192;

// Operational endpoints are answered only to unsigned requests, so a bucket
// that happens to be named "metrics" stays reachable through S3.
bool is_signed(const RequestHead& head) {
  if (head.find(bhttp::field::authorization) != head.end()) return true;
  return head.target().find("X-Amz-") != std::string_view::npos;
}

}  // namespace

Connection::Connection(asio::ip::tcp::socket socket, ConnectionServices services)
    : socket_(std::move(socket)),
      stream_(socket_, services.tls ? services.tls->current() : nullptr),
      // Bounded: whatever a client makes the parser wait for (a head, a
      // chunk-size line and its extensions, a trailer section) must fit.
      buffer_(std::max(services.config->max_header_bytes, kMinReadBuffer)),
      timer_(socket_.get_executor()),
      services_(std::move(services)) {
  error_code ec;
  auto endpoint = socket_.remote_endpoint(ec);
  remote_ = ec ? std::string("unknown") : endpoint.address().to_string();
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
}

void Connection::set_deadline(std::chrono::steady_clock::duration from_now, OnExpiry on_expiry) {
  auto deadline = std::chrono::steady_clock::now() + from_now;
  // The watchdog sleeps until the timer's expiry and then re-arms for the
  // current deadline; wake it only when the new deadline comes sooner (not
  // on every read, which would cost a timer update per read).
  if (deadline < timer_.expiry()) timer_.cancel();
  deadline_ = deadline;
  on_expiry_ = on_expiry;
}

void Connection::clear_deadline() {
  deadline_ = std::chrono::steady_clock::time_point::max();
  on_expiry_ = OnExpiry::kClose;
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
    if (std::chrono::steady_clock::now() < deadline_) continue;
    timed_out_ = true;
    if (on_expiry_ == OnExpiry::kCancel) {
      // The request can still be answered; the answer gets a deadline of its own.
      error_code ec;
      socket_.cancel(ec);
      set_deadline(services_.config->io_timeout);
    } else {
      close();
    }
  }
}

asio::awaitable<bool> Connection::answer_operational(const RequestHead& head, bool keep_alive) {
  if (is_signed(head)) co_return false;
  std::string_view path = head.target().substr(0, head.target().find('?'));
  bhttp::response<bhttp::string_body> res;
  res.version(head.version());
  res.set(bhttp::field::server, "moss");
  res.set("x-amz-request-id", services_.handler->next_request_id());
  if (path == "/healthz") {
    res.result(bhttp::status::ok);
    res.body() = "ok\n";
  } else if (path == "/readyz") {
    const std::string why = services_.stopping() ? "shutting down" : services_.not_ready();
    res.result(why.empty() ? bhttp::status::ok : bhttp::status::service_unavailable);
    res.body() = why.empty() ? "ready\n" : "not ready: " + why + "\n";
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
  auto [ec, n] = co_await bhttp::async_write(stream_, res, kAwait);
  clear_deadline();
  co_return !ec;
}

asio::awaitable<void> Connection::reject_head(error_code ec) {
  // A head that cannot be parsed is answered (when possible) in the API's
  // terms, then the connection ends: what follows the bad head cannot be trusted.
  RejectedHead rejected;
  rejected.reason = ec == bhttp::error::header_limit ? RejectedHead::Reason::kHeaderTooLarge
                                                     : RejectedHead::Reason::kMalformed;
  rejected.detail = ec.message();
  rejected.max_header_bytes = services_.config->max_header_bytes;
  rejected.remote_address = remote_;
  co_await send_rejection(rejected);
}

asio::awaitable<void> Connection::send_rejection(const RejectedHead& rejected) {
  auto res = services_.handler->reject(rejected);
  res.keep_alive(false);
  set_deadline(services_.config->io_timeout);
  co_await bhttp::async_write(stream_, res, kAwait);
  clear_deadline();
}

asio::awaitable<void> Connection::turn_away() {
  // Answered before the client's request is read (reading it would take the
  // very time and memory the limit is there to save); draining afterwards
  // keeps the answer from being destroyed by a reset when the request comes.
  auto self = shared_from_this();
  asio::co_spawn(socket_.get_executor(), watchdog(), asio::detached);
  // Over TLS the answer needs a session: a handshake under a short deadline.
  if (stream_.is_tls() && !co_await handshake(std::min<std::chrono::steady_clock::duration>(
                              kRefusalHandshakeLimit, services_.config->header_timeout))) {
    close();
    co_return;
  }
  RejectedHead rejected;
  rejected.reason = RejectedHead::Reason::kTooManyConnections;
  rejected.detail = "too many connections";
  rejected.max_connections = services_.config->limits.max_connections;
  rejected.remote_address = remote_;
  co_await send_rejection(rejected);
  if (!closed_) co_await linger();
  close();
}

asio::awaitable<void> Connection::linger() {
  error_code ec;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ec);
  if (ec) co_return;
  const auto limit = std::chrono::steady_clock::now() + kLingerLimit;
  std::array<char, 16 * 1024> scratch;
  while (!closed_ && std::chrono::steady_clock::now() < limit) {
    set_deadline(
        std::min<std::chrono::steady_clock::duration>(kLingerQuiet, services_.config->io_timeout));
    auto [read_ec, n] = co_await socket_.async_read_some(asio::buffer(scratch), kAwait);
    if (read_ec) break;
  }
}

asio::awaitable<bool> Connection::handshake(std::chrono::steady_clock::duration limit) {
  set_deadline(limit);
  error_code ec = co_await stream_.handshake();
  clear_deadline();
  if (!ec) co_return true;
  services_.tls->count_handshake_failure();
  // A client that refuses the certificate, speaks plain HTTP or an old TLS
  // version is the client's problem, not the server's: info, not a warning.
  // A connection that closed before saying anything is a port probe.
  const bool silent = ec == asio::error::eof || ec == asio::error::connection_reset ||
                      ec == asio::ssl::error::stream_truncated;
  spdlog::log(silent ? spdlog::level::debug : spdlog::level::info,
              "TLS handshake with {} failed: {}", remote_,
              timed_out_ ? std::string("timed out") : ec.message());
  co_return false;
}

asio::awaitable<void> Connection::run() {
  auto self = shared_from_this();
  const auto& config = *services_.config;
  // Never longer than an idle keep-alive connection would get.
  const auto first_byte_timeout = std::min(config.limits.first_byte_timeout, config.idle_timeout);
  set_deadline(first_byte_timeout);
  asio::co_spawn(socket_.get_executor(), watchdog(), asio::detached);
  if (stream_.is_tls() && !co_await handshake(config.header_timeout)) {
    close();
    co_return;
  }

  // The client may still be sending when the loop ends: see linger().
  bool unread_input = false;
  bool first_request = true;
  while (!closed_) {
    bhttp::request_parser<bhttp::buffer_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(config.max_header_bytes));
    parser.body_limit(boost::none);  // sizes are the S3 layer's to enforce

    idle_ = true;
    if (closing_) break;
    // A new connection gets first_byte_timeout to begin its first request,
    // an idle keep-alive connection idle_timeout for the next one; from its
    // first byte the head must be complete within header_timeout.
    if (buffer_.size() == 0) {
      // Reading the first bytes (rather than waiting for readability) keeps
      // Asio on its speculative path: no epoll_ctl per request.
      set_deadline(first_request ? first_byte_timeout : config.idle_timeout);
      auto [wait_ec, n] = co_await stream_.async_read_some(buffer_.prepare(kMinReadBuffer), kAwait);
      if (first_request && timed_out_) {
        spdlog::debug("connection from {} sent nothing within {}s; closed", remote_,
                      first_byte_timeout.count());
        services_.metrics->count("moss_connections_ended_total", "first_byte_timeout");
      }
      if (wait_ec || closed_ || closing_) break;
      buffer_.commit(n);
    }
    set_deadline(config.header_timeout);
    auto [ec, n] = co_await bhttp::async_read_header(stream_, buffer_, parser, kAwait);
    clear_deadline();
    idle_ = false;
    first_request = false;
    if (ec) {
      bool quiet = ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
                   ec == asio::error::connection_reset || ec == asio::error::operation_aborted ||
                   timed_out_ || closed_;
      if (!quiet) {
        co_await reject_head(ec);
        unread_input = true;
      }
      break;
    }

    const auto& head = parser.get().base();
    const bool keep_alive = parser.keep_alive();
    if (co_await answer_operational(head, keep_alive)) {
      unread_input = !parser.is_done();
      if (!keep_alive || closing_ || unread_input) break;
      continue;
    }

    head_buffer_.clear();
    BeastExchange exchange(*this, stream_, buffer_, head_buffer_, parser, remote_, config.io_timeout,
                           keep_alive && !closing_ && !services_.stopping());
    co_await services_.handler->handle(exchange);
    try {
      co_await exchange.finish();
    } catch (const boost::system::system_error&) {
      break;
    }
    clear_deadline();
    // Kept for the next request up to a size a small object's answer needs;
    // a larger one (up to a 64 KiB body sent inline) is not held while idle.
    if (head_buffer_.capacity() > kKeptHeadBufferBytes) std::string().swap(head_buffer_);
    // An unread body would be parsed as the next request.
    unread_input = !exchange.body_complete();
    if (!exchange.keep_alive() || !exchange.head_sent() || closed_ || unread_input) break;
  }
  if (!closed_) {
    error_code ec;
    if (unread_input || buffer_.size() > 0 || socket_.available(ec) > 0) {
      co_await linger();
    } else if (stream_.is_tls()) {
      // close_notify tells the client the connection ended on purpose;
      // waiting for its answer is bounded like a lingering close.
      set_deadline(std::min<std::chrono::steady_clock::duration>(kLingerQuiet, config.io_timeout));
      co_await stream_.shutdown_tls();
    }
  }
  close();
}

}  // namespace moss::http
