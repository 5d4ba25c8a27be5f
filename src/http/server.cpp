#include "moss/http/server.h"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "http/connection_admission.h"
#include "http/tls_context.h"
#include "moss/http/connection.h"
#include "moss/util/mutex.h"

namespace moss::http {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

// Answering a connection over --max-connections takes a little time (a TLS
// handshake, the write, a bounded drain). At most this many are answered at
// once; beyond them a flood is closed without an answer, so that refusing
// cannot itself become the drain on descriptors and memory.
constexpr size_t kMaxConnectionsBeingRefused = 64;

}  // namespace

class Server::Impl {
 public:
  Impl(ServerConfig config, RequestHandler& handler, Metrics& metrics,
       std::function<std::string()> not_ready)
      : config_(std::move(config)),
        threads_(config_.io_threads > 0
                     ? config_.io_threads
                     : std::max(2, static_cast<int>(std::thread::hardware_concurrency()))),
        ioc_(1),
        acceptor_(ioc_),
        signals_(ioc_, SIGINT, SIGTERM),
        grace_timer_(ioc_),
        drain_timer_(ioc_),
        metrics_(metrics),
        admission_(config_.limits.max_connections),
        refusals_(kMaxConnectionsBeingRefused) {
    // One io_context per network thread: a connection lives on one thread
    // for its whole life, so its handlers never hop threads (no strand, no
    // cross-thread wakeups on the hot path).
    for (int i = 0; i < threads_; ++i) {
      workers_.push_back(std::make_unique<asio::io_context>(1));
      work_guards_.emplace_back(workers_.back()->get_executor());
    }
    services_.config = &config_;
    services_.handler = &handler;
    services_.metrics = &metrics;
    services_.not_ready = std::move(not_ready);
    services_.stopping = [this] { return draining_.load() || stopping_.load(); };
    metrics.add_gauge("moss_connections_open", "Client connections being served.",
                      [this] { return static_cast<double>(admission_.open()); });
    metrics.declare_counter("moss_connections_rejected_total", "reason",
                            "Connections turned away at once, by reason: max_connections "
                            "(answered 503 SlowDown), refusals_at_capacity (closed without an "
                            "answer while as many others were being answered 503).",
                            {"max_connections", "refusals_at_capacity"});
    metrics.declare_counter(
        "moss_connections_ended_total", "reason",
        "Connections the server ended for what the client did (or did not do), by reason.",
        {"first_byte_timeout", "body_stalled", "body_below_min_rate", "chunk_framing_too_large"});
  }

  Result<void, std::string> listen() {
    if (config_.tls.enabled() && !tls_) {
      auto tls = TlsContext::load(config_.tls, metrics_);
      if (!tls) return fail("TLS: " + tls.error());
      tls_ = std::move(*tls);
      services_.tls = tls_.get();
    }
    boost::system::error_code ec;
    auto address = asio::ip::make_address(config_.host, ec);
    if (ec) return fail("invalid listen address " + config_.host + ": " + ec.message());
    tcp::endpoint endpoint(address, config_.port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return fail("cannot listen on " + config_.host + ":" + std::to_string(config_.port) + ": " +
                  ec.message());
    }
    return {};
  }

  uint16_t port() const {
    boost::system::error_code ec;
    auto endpoint = acceptor_.local_endpoint(ec);
    return ec ? 0 : endpoint.port();
  }

  void run() {
    signals_.async_wait([this](boost::system::error_code ec, int signal) {
      if (ec) return;
      spdlog::info("received signal {}, shutting down", signal);
      begin_drain();
      // A second signal stops at once.
      signals_.async_wait([this](boost::system::error_code ec2, int) {
        if (!ec2) ioc_.stop();
      });
    });
    asio::co_spawn(ioc_, accept_loop(), asio::detached);
    if (tls_) watch_tls_files();
    std::vector<std::thread> threads;
    for (auto& worker : workers_) threads.emplace_back([&worker] { worker->run(); });
    ioc_.run();
    // The control context stopped (shutdown finished or the grace period
    // ran out): stop the network threads too.
    for (auto& guard : work_guards_) guard.reset();
    for (auto& worker : workers_) worker->stop();
    for (auto& t : threads) t.join();
  }

  void request_stop() {
    asio::post(ioc_, [this] { begin_stop(); });
  }

  asio::io_context& io_context() { return ioc_; }

 private:
  // A rotated certificate takes effect without a restart: the files are
  // polled, and SIGHUP re-reads them at once. Only with TLS configured, so a
  // plain server keeps SIGHUP's default action.
  void watch_tls_files() {
    sighup_.emplace(ioc_, SIGHUP);
    wait_for_sighup();
    if (config_.tls.reload_interval.count() > 0) {
      asio::co_spawn(ioc_, poll_tls_files(), asio::detached);
    }
  }

  void wait_for_sighup() {
    sighup_->async_wait([this](boost::system::error_code ec, int) {
      if (ec) return;
      spdlog::info("received SIGHUP, re-reading the TLS certificate and key");
      tls_->reload();
      wait_for_sighup();
    });
  }

  asio::awaitable<void> poll_tls_files() {
    asio::steady_timer timer(ioc_);
    while (!stopping_) {
      timer.expires_after(config_.tls.reload_interval);
      auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
      if (ec) break;
      tls_->reload_if_changed();
    }
  }

  asio::awaitable<void> accept_loop() {
    while (acceptor_.is_open()) {
      auto& worker = *workers_[next_worker_++ % workers_.size()];
      auto [ec, socket] =
          co_await acceptor_.async_accept(worker, asio::as_tuple(asio::use_awaitable));
      if (ec) {
        if (!acceptor_.is_open()) break;
        spdlog::warn("accept failed: {}", ec.message());
        // Out of descriptors: give the process a moment instead of spinning.
        asio::steady_timer pause(ioc_, std::chrono::milliseconds(50));
        co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
        continue;
      }
      auto connection = std::make_shared<Connection>(std::move(socket), services_);
      auto ticket = admission_.try_admit();
      if (!ticket) {
        turn_away(connection);
        continue;
      }
      track(connection);
      asio::co_spawn(connection->executor(), serve(connection, std::move(*ticket)),
                     asio::detached);
    }
  }

  // The ticket, kept in the coroutine's frame, holds the connection's place
  // until it ends.
  asio::awaitable<void> serve(std::shared_ptr<Connection> connection,
                              [[maybe_unused]] ConnectionAdmission::Ticket ticket) {
    try {
      co_await connection->run();
    } catch (const std::exception& e) {
      spdlog::error("connection failed: {}", e.what());
    }
    untrack(connection.get());
  }

  // A connection over --max-connections gets its 503 and is closed; in a
  // flood, past kMaxConnectionsBeingRefused, it is closed at once.
  void turn_away(const std::shared_ptr<Connection>& connection) {
    auto refusal = refusals_.try_admit();
    if (!refusal) {
      services_.metrics->count("moss_connections_rejected_total", "refusals_at_capacity");
      asio::post(connection->executor(), [connection] { connection->shutdown_when_idle(); });
      return;
    }
    services_.metrics->count("moss_connections_rejected_total", "max_connections");
    // One warning per burst, not one per connection a flood opens.
    const auto now = std::chrono::steady_clock::now();
    if (now - last_limit_warning_ > std::chrono::seconds(10)) {
      last_limit_warning_ = now;
      spdlog::warn("{} connections open, the limit (--max-connections): answering new ones "
                   "503 SlowDown",
                   admission_.open());
    }
    asio::co_spawn(connection->executor(), answer_busy(connection, std::move(*refusal)),
                   asio::detached);
  }

  // The refusal ticket holds its place among those being answered until the end.
  static asio::awaitable<void> answer_busy(std::shared_ptr<Connection> connection,
                                           [[maybe_unused]] ConnectionAdmission::Ticket refusal) {
    try {
      co_await connection->turn_away();
    } catch (const std::exception& e) {
      spdlog::debug("turning a connection away failed: {}", e.what());
    }
  }

  void track(const std::shared_ptr<Connection>& c) {
    MutexLock lock(mutex_);
    connections_.emplace(c.get(), c);
  }

  void untrack(Connection* c) {
    MutexLock lock(mutex_);
    connections_.erase(c);
    if (stopping_ && connections_.empty()) finish_stop();
  }

  // /readyz turns 503 and responses say `Connection: close` at once; the
  // listener stays open for the shutdown delay, so clients that still pick
  // this instance are served while the endpoints catch up.
  void begin_drain() {
    if (draining_.exchange(true)) return;
    if (config_.shutdown_delay.count() <= 0) {
      begin_stop();
      return;
    }
    spdlog::info("draining for {} s before closing the listener (/readyz answers 503)",
                 config_.shutdown_delay.count());
    drain_timer_.expires_after(config_.shutdown_delay);
    drain_timer_.async_wait([this](boost::system::error_code ec) {
      if (!ec) begin_stop();
    });
  }

  void begin_stop() {
    draining_ = true;
    if (stopping_.exchange(true)) return;
    boost::system::error_code ec;
    acceptor_.close(ec);
    std::vector<std::shared_ptr<Connection>> live;
    {
      MutexLock lock(mutex_);
      for (auto& [ptr, weak] : connections_) {
        if (auto c = weak.lock()) live.push_back(c);
      }
      if (connections_.empty()) {
        finish_stop();
        return;
      }
    }
    for (auto& c : live) {
      asio::post(c->executor(), [c] { c->shutdown_when_idle(); });
    }
    grace_timer_.expires_after(config_.shutdown_grace);
    grace_timer_.async_wait([this](boost::system::error_code ec2) {
      if (ec2) return;
      spdlog::warn("shutdown grace period over; stopping with requests in flight");
      ioc_.stop();
    });
  }

  // Called with mutex_ held or when nothing else runs. The last connection
  // is gone: stop the io_context outright, since background work on it (the
  // credentials reload timer) would otherwise keep run() from returning.
  void finish_stop() {
    asio::post(ioc_, [this] {
      grace_timer_.cancel();
      drain_timer_.cancel();
      signals_.cancel();
      if (sighup_) sighup_->cancel();
      ioc_.stop();
    });
  }

  ServerConfig config_;
  int threads_;
  // Declared before the control context so that they outlive it: an accept
  // still pending there at destruction holds a socket of a worker context.
  std::vector<std::unique_ptr<asio::io_context>> workers_;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> work_guards_;
  // The control context: accepting, signals, shutdown, background timers.
  asio::io_context ioc_;
  size_t next_worker_ = 0;
  tcp::acceptor acceptor_;
  asio::signal_set signals_;
  asio::steady_timer grace_timer_;
  asio::steady_timer drain_timer_;
  Metrics& metrics_;
  std::unique_ptr<TlsContext> tls_;
  std::optional<asio::signal_set> sighup_;
  ConnectionServices services_;
  std::atomic<bool> draining_{false};
  std::atomic<bool> stopping_{false};
  ConnectionAdmission admission_;
  // The turned-away connections being answered (kMaxConnectionsBeingRefused).
  ConnectionAdmission refusals_;
  // Only the accept loop (the control context) touches it.
  std::chrono::steady_clock::time_point last_limit_warning_;
  Mutex mutex_;
  std::unordered_map<Connection*, std::weak_ptr<Connection>> connections_ GUARDED_BY(mutex_);
};

Server::Server(ServerConfig config, RequestHandler& handler, Metrics& metrics,
               std::function<std::string()> not_ready)
    : impl_(std::make_unique<Impl>(std::move(config), handler, metrics, std::move(not_ready))) {}
Server::~Server() = default;
Result<void, std::string> Server::listen() { return impl_->listen(); }
uint16_t Server::port() const { return impl_->port(); }
void Server::run() { impl_->run(); }
void Server::request_stop() { impl_->request_stop(); }
asio::io_context& Server::io_context() { return impl_->io_context(); }

}  // namespace moss::http
