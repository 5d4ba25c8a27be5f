// The HTTP/1.1 server: accepts connections, runs one coroutine per connection
// (read a request head, serve it, repeat), answers the operational endpoints
// itself (/healthz, /readyz, /metrics, unauthenticated only) and hands every
// other request to the RequestHandler (the S3 front door; exchange.h).
//
// Threads: `io_threads` network threads, each with its own io_context; a
// connection stays on the thread that accepted it. A control context on the
// calling thread accepts, watches signals and runs background timers
// (io_context()). Shutdown (SIGTERM/SIGINT, after the shutdown delay, or
// request_stop) stops accepting, closes idle connections, lets requests in
// flight finish within the grace period, then stops.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "moss/http/connection_limits.h"
#include "moss/http/exchange.h"
#include "moss/util/metrics.h"
#include "moss/util/result.h"

namespace moss::http {

// HTTPS (docs/tls.md): with a certificate configured the port speaks only
// TLS 1.2 and 1.3. The files are re-read when they change (polled every
// reload_interval, and on SIGHUP), so a rotated Secret takes effect for new
// handshakes without dropping connections.
struct TlsConfig {
  std::string cert_file;       // PEM chain, leaf first; empty: plain HTTP
  std::string key_file;        // PEM private key of the leaf
  std::string client_ca_file;  // PEM CA bundle; set: clients must present a certificate it signed
  std::chrono::seconds reload_interval{5};  // 0: only on SIGHUP
  bool enabled() const { return !cert_file.empty(); }
};

struct ServerConfig {
  std::string host = "127.0.0.1";
  uint16_t port = 9000;  // 0: any free port (see Server::port())
  int io_threads = 0;    // 0: one per core, at least 2
  // The most a request head may take; a chunk-size line with its extensions
  // and a chunked body's trailer section are held to it too (the connection's
  // read buffer is this size).
  size_t max_header_bytes = 32 * 1024;
  // A request head must arrive completely within this time after its first
  // byte, and a keep-alive connection may sit idle this long.
  std::chrono::seconds header_timeout{30};
  std::chrono::seconds idle_timeout{75};
  // A body read or write that makes no progress for this long ends the connection.
  std::chrono::seconds io_timeout{120};
  // After SIGTERM, how long to keep accepting and serving (with /readyz at 503
  // and keep-alive off) before the listener closes: the time a load balancer
  // or Kubernetes' endpoints need to stop sending new requests here.
  std::chrono::seconds shutdown_delay{0};
  // How long requests in flight may take to finish after a stop request.
  std::chrono::seconds shutdown_grace{30};
  // How many connections, how soon a first byte, how slow a body at most.
  ConnectionLimits limits;
  TlsConfig tls;
};

class Server {
 public:
  // `not_ready` answers /readyz (besides the server not shutting down): why
  // the server cannot serve now, or "" when it can.
  Server(ServerConfig config, RequestHandler& handler, Metrics& metrics,
         std::function<std::string()> not_ready);
  ~Server();

  // Loads the TLS certificate (when configured), binds and listens; returns
  // the error text on failure.
  Result<void, std::string> listen();
  uint16_t port() const;

  // Serves until stopped; returns after the last connection ended or the grace
  // period ran out. Installs SIGINT/SIGTERM handlers.
  void run();
  // Thread-safe.
  void request_stop();

  boost::asio::io_context& io_context();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace moss::http
