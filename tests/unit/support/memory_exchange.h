// An in-memory moss::http::Exchange, so request handlers (the S3 front door,
// the registry API) can be driven in-process without a socket, as versitygw
// tests its controllers: a request head and a body given as bytes (optionally
// handed out a few bytes per read, to exercise partial reads), and a capture
// of everything the handler answered: status, head, body bytes (send_file
// ranges are read from the descriptor), close_after_response, counters.
//
// Also run_to_completion(), which runs an awaitable on an io_context until it
// and everything it started (offloaded work) are done.
#pragma once

#include <unistd.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/http/field.hpp>
#include <cstdint>
#include <exception>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "moss/http/exchange.h"

namespace moss::testing {

class MemoryExchange final : public http::Exchange {
 public:
  // `max_read`: at most this many body bytes per read_body() call (0: no
  // limit). `chunked`: the body came with Transfer-Encoding: chunked, so no
  // Content-Length is known.
  explicit MemoryExchange(http::RequestHead head, std::string body = {}, size_t max_read = 0,
                          bool chunked = false)
      : head_(std::move(head)), body_(std::move(body)), max_read_(max_read), chunked_(chunked) {}

  // --- The request side (Exchange).
  const http::RequestHead& request() const override { return head_; }
  std::string_view remote_address() const override { return remote_; }
  std::optional<uint64_t> content_length() const override {
    if (chunked_) return std::nullopt;
    return body_.size();
  }
  http::awaitable<size_t> read_body(std::span<uint8_t> buf) override {
    ++read_calls_;
    size_t n = std::min(buf.size(), body_.size() - read_offset_);
    if (max_read_ != 0) n = std::min(n, max_read_);
    std::copy_n(body_.data() + read_offset_, n, buf.data());
    read_offset_ += n;
    co_return n;
  }
  bool body_complete() const override { return read_offset_ == body_.size(); }

  // --- The response side (Exchange).
  http::awaitable<void> send(http::StringResponse response) override {
    begin_response(response.base());
    ++send_calls_;
    body_sent_ = response.body();
    declared_length_ = body_sent_.size();
    co_return;
  }
  http::awaitable<void> send_head(http::ResponseHead head) override {
    begin_response(head);
    declared_length_ = content_length_of(head);
    co_return;
  }
  http::awaitable<void> send_body(std::span<const uint8_t> bytes) override {
    require_head("send_body");
    body_sent_.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    co_return;
  }
  http::awaitable<void> send_file(int fd, uint64_t offset, uint64_t length) override {
    require_head("send_file");
    ++send_file_calls_;
    std::string bytes(length, '\0');
    size_t done = 0;
    while (done < length) {
      ssize_t n =
          ::pread(fd, bytes.data() + done, length - done, static_cast<off_t>(offset + done));
      if (n <= 0) throw std::runtime_error("MemoryExchange: send_file past the end of the file");
      done += static_cast<size_t>(n);
    }
    body_sent_ += bytes;
    co_return;
  }
  bool head_sent() const override { return head_sent_; }
  void close_after_response() override { close_after_response_ = true; }
  int response_status() const override { return status_; }
  uint64_t bytes_received() const override { return read_offset_; }
  uint64_t bytes_sent() const override { return body_sent_.size(); }

  // --- What the test inspects.
  void set_remote_address(std::string remote) { remote_ = std::move(remote); }
  const http::ResponseHead& response_head() const { return response_head_; }
  const std::string& response_body() const { return body_sent_; }
  bool closes_after_response() const { return close_after_response_; }
  // The Content-Length the response head announced (nullopt: none).
  std::optional<uint64_t> declared_length() const { return declared_length_; }
  int read_calls() const { return read_calls_; }
  int send_calls() const { return send_calls_; }
  int head_sends() const { return head_sends_; }
  int send_file_calls() const { return send_file_calls_; }

 private:
  // The number in a head's Content-Length, if it has one.
  static std::optional<uint64_t> content_length_of(const http::ResponseHead& head) {
    auto it = head.find(boost::beast::http::field::content_length);
    if (it == head.end()) return std::nullopt;
    return std::stoull(std::string(it->value()));
  }
  void begin_response(const http::ResponseHead& head) {
    // A second head would be a handler bug the real transport cannot carry.
    if (head_sent_) throw std::logic_error("MemoryExchange: a second response head");
    head_sent_ = true;
    ++head_sends_;
    response_head_ = head;
    status_ = static_cast<int>(head.result_int());
  }
  void require_head(const char* what) const {
    if (!head_sent_)
      throw std::logic_error(std::string("MemoryExchange: ") + what + " before a head");
  }

  http::RequestHead head_;
  std::string body_;
  size_t max_read_;
  bool chunked_;
  size_t read_offset_ = 0;
  std::string remote_ = "127.0.0.1";

  bool head_sent_ = false;
  http::ResponseHead response_head_;
  std::string body_sent_;
  std::optional<uint64_t> declared_length_;
  int status_ = 0;
  bool close_after_response_ = false;
  int read_calls_ = 0;
  int send_calls_ = 0;
  int head_sends_ = 0;
  int send_file_calls_ = 0;
};

// Runs `task` on `io` until it and all work it started are done, and returns
// its result (or rethrows what it threw).
template <class T>
T run_to_completion(boost::asio::io_context& io, boost::asio::awaitable<T> task) {
  std::optional<T> result;
  std::exception_ptr error;
  boost::asio::co_spawn(io, std::move(task), [&](std::exception_ptr e, T value) {
    error = e;
    if (!e) result.emplace(std::move(value));
  });
  io.restart();
  io.run();
  if (error) std::rethrow_exception(error);
  if (!result) throw std::logic_error("run_to_completion: the task did not finish");
  return std::move(*result);
}

inline void run_to_completion(boost::asio::io_context& io, boost::asio::awaitable<void> task) {
  std::exception_ptr error;
  bool finished = false;
  boost::asio::co_spawn(io, std::move(task), [&](std::exception_ptr e) {
    error = e;
    finished = true;
  });
  io.restart();
  io.run();
  if (error) std::rethrow_exception(error);
  if (!finished) throw std::logic_error("run_to_completion: the task did not finish");
}

}  // namespace moss::testing
