// A small synchronous HTTP/1.1 client over Beast: one keep-alive connection
// to one endpoint, request bodies streamed from a BodySource and response
// bodies streamed to a BodySink through a fixed buffer, a timeout on every
// connect, read and write.
//
// Not thread-safe: one HttpClient per thread. A request sent on a reused
// connection that the server had closed (idle timeout) is sent once more on a
// new connection, rewinding its body.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "moss/client/client_error.h"
#include "moss/client/endpoint.h"
#include "moss/util/result.h"

namespace moss::client {

using Headers = std::vector<std::pair<std::string, std::string>>;

// Where a request body comes from. read() fills up to out.size() bytes and
// returns how many (0 only at the end); rewind() starts over for a resend.
class BodySource {
 public:
  virtual ~BodySource() = default;
  virtual uint64_t size() const = 0;
  virtual Result<size_t, std::string> read(std::span<uint8_t> out) = 0;
  virtual bool rewind() = 0;
};

// A body held in memory (XML and JSON requests, small by construction).
class StringSource : public BodySource {
 public:
  explicit StringSource(std::string text) : text_(std::move(text)) {}
  uint64_t size() const override { return text_.size(); }
  Result<size_t, std::string> read(std::span<uint8_t> out) override;
  bool rewind() override {
    offset_ = 0;
    return true;
  }

 private:
  std::string text_;
  size_t offset_ = 0;
};

// Where a response body goes.
class BodySink {
 public:
  virtual ~BodySink() = default;
  virtual std::error_code write(std::span<const uint8_t> data) = 0;
  // Memory the client may receive the next body bytes into (then write gets
  // a span of it), so a sink can keep them without copying; empty: the
  // client receives into its own buffer.
  virtual std::span<uint8_t> receive_buffer() { return {}; }
  // Whether write should get the bytes of each receive as they come, rather
  // than once a whole buffer is full: someone reads behind the sink (a Hub
  // mirror streaming an upstream transfer to its clients) and a slow sender
  // must not keep bytes from them.
  virtual bool wants_bytes_as_received() const { return false; }
};

struct HttpRequest {
  std::string method;  // "GET", "PUT", ...
  std::string target;  // encoded path plus "?query"
  Headers headers;     // Host is added when missing; Content-Length from the body
  BodySource* body = nullptr;
  // Called with the number of body bytes written to the socket, as they go.
  std::function<void(uint64_t)> on_body_sent;
};

struct HttpResponse {
  int status = 0;
  Headers headers;   // names lowercased
  std::string body;  // collected when no sink took it (capped, see kMaxCollectedBody)
  // The value of a header (case-insensitive name), empty when absent.
  std::string_view header(std::string_view name) const;
  bool has_header(std::string_view name) const;
};

// Decides, once the response head has arrived, where its body goes: a sink,
// or nullptr to collect it into HttpResponse::body.
using SinkChooser = std::function<BodySink*(const HttpResponse& head)>;

struct HttpTimeouts {
  std::chrono::seconds connect{10};
  std::chrono::seconds io{120};  // longest wait for any read or write to make progress
};

class HttpClient {
 public:
  // Bodies collected in memory larger than this are cut (error documents and
  // listings are far smaller).
  static constexpr size_t kMaxCollectedBody = 8 << 20;

  HttpClient(Endpoint endpoint, HttpTimeouts timeouts = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends `request` and reads the response. Any status is a response; errors
  // are the transport's and the sink's (kTransport, kLocal).
  Result<HttpResponse, ClientError> send(const HttpRequest& request,
                                         const SinkChooser& choose_sink = {});

  const Endpoint& endpoint() const { return endpoint_; }

 private:
  struct Connection;
  // The TLS handshake on a new connection to an https endpoint; the error
  // text, empty on success.
  std::string start_tls();
  Endpoint endpoint_;
  HttpTimeouts timeouts_;
  std::unique_ptr<Connection> connection_;
};

}  // namespace moss::client
