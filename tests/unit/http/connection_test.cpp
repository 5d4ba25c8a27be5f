// http::Connection over a real loopback TCP connection, with a tiny fake
// RequestHandler: keep-alive (two requests on one connection, and two sent
// back to back), "Connection: close", a malformed head answered with the
// handler's reject() and the connection closed, the operational /healthz
// answered without the handler, the idle and header deadlines closing a
// quiet connection, and a lingering close after an unread body, where the
// client still reads the whole response. The client side is a plain POSIX
// socket with a receive timeout, so a connection that never closes fails the
// test instead of hanging it; no test asserts how fast anything happens.
#include "moss/http/connection.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/read.hpp>
#include <chrono>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "moss/util/metrics.h"

namespace moss::http {
namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;

// Answers "served <target>"; reads the request body only when the target
// starts with /read (so an unread body can be left behind).
class FakeHandler final : public RequestHandler {
 public:
  awaitable<void> handle(Exchange& ex) override {
    const std::string target(ex.request().target());
    std::string body;
    if (target.starts_with("/read")) {
      std::vector<uint8_t> buf(4096);
      while (size_t n = co_await ex.read_body(buf)) body.append(buf.begin(), buf.begin() + n);
    }
    StringResponse res{bhttp::status::ok, ex.request().version()};
    res.set(bhttp::field::content_type, "text/plain");
    res.body() = "served " + target + (body.empty() ? "" : " read " + std::to_string(body.size()));
    res.prepare_payload();
    {
      std::lock_guard lock(mutex_);
      targets_.push_back(target);
    }
    co_await ex.send(std::move(res));
  }
  StringResponse reject(const RejectedHead& rejected) override {
    ++rejected_;
    StringResponse res{bhttp::status::bad_request, 11};
    res.body() = rejected.reason == RejectedHead::Reason::kMalformed ? "rejected: malformed"
                                                                     : "rejected: too large";
    res.prepare_payload();
    return res;
  }
  std::string next_request_id() override { return "test-request-id"; }

  std::vector<std::string> targets() {
    std::lock_guard lock(mutex_);
    return targets_;
  }
  int rejected() const { return rejected_; }

 private:
  std::mutex mutex_;
  std::vector<std::string> targets_;
  std::atomic<int> rejected_{0};
};

// One response as the client read it.
struct ClientResponse {
  int status = 0;
  std::string head;  // status line and header lines
  std::string body;
  bool has_header_line(std::string_view line) const {
    return head.find(std::string("\r\n") + std::string(line) + "\r\n") != std::string::npos;
  }
};

// A blocking client socket whose reads give up after 15 seconds.
class Client {
 public:
  explicit Client(uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    timeval timeout{15, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~Client() { close(); }
  bool connected() const { return connected_; }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  bool send_all(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // The next whole response (Content-Length framed), nullopt if the
  // connection ended or failed first.
  std::optional<ClientResponse> read_response() {
    size_t end;
    while ((end = pending_.find("\r\n\r\n")) == std::string::npos) {
      if (!fill()) return std::nullopt;
    }
    ClientResponse res;
    res.head = pending_.substr(0, end + 2);
    pending_.erase(0, end + 4);
    res.status = std::stoi(res.head.substr(9, 3));
    size_t length = 0;
    for (std::string_view name : {"Content-Length: ", "content-length: "}) {
      auto at = res.head.find(name);
      if (at != std::string::npos) length = std::stoul(res.head.substr(at + name.size()));
    }
    while (pending_.size() < length) {
      if (!fill()) return std::nullopt;
    }
    res.body = pending_.substr(0, length);
    pending_.erase(0, length);
    return res;
  }

  // True when the server ended the connection cleanly (FIN, no reset) with
  // nothing more to read.
  bool reads_clean_eof() {
    char byte;
    ssize_t n = ::recv(fd_, &byte, 1, 0);
    last_errno_ = n < 0 ? errno : 0;
    return n == 0 && pending_.empty();
  }
  int last_errno() const { return last_errno_; }

 private:
  bool fill() {
    char buf[16384];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    last_errno_ = n < 0 ? errno : 0;
    if (n <= 0) return false;
    pending_.append(buf, static_cast<size_t>(n));
    return true;
  }

  int fd_;
  bool connected_ = false;
  std::string pending_;
  int last_errno_ = 0;
};

class ConnectionTest : public ::testing::Test {
 protected:
  // Deadlines far beyond the client's 15-second read timeout, so a
  // connection that ends did so for the reason under test; the tests of the
  // deadlines shorten theirs to one second.
  ConnectionTest() {
    config_.idle_timeout = std::chrono::seconds(60);
    config_.header_timeout = std::chrono::seconds(60);
    config_.io_timeout = std::chrono::seconds(60);
    config_.limits.first_byte_timeout = std::chrono::seconds(60);
  }

  ~ConnectionTest() override {
    if (client_) client_->close();
    if (server_thread_.joinable()) {
      // A connection that never ends would hang the test: stop it instead.
      if (finished_.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
        ADD_FAILURE() << "the connection did not end after the client went away";
        io_.stop();
      }
      server_thread_.join();
    }
  }

  // Connects a client and runs one Connection for it on a server thread.
  Client& connect() {
    tcp::acceptor acceptor(io_, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    client_.emplace(acceptor.local_endpoint().port());
    EXPECT_TRUE(client_->connected());
    tcp::socket socket = acceptor.accept();
    services_.config = &config_;
    services_.handler = &handler_;
    services_.metrics = &metrics_;
    services_.not_ready = [] { return std::string(); };
    services_.stopping = [] { return false; };
    // run() owns itself only once it starts: until then the test holds it.
    connection_ = std::make_shared<Connection>(std::move(socket), services_);
    asio::co_spawn(io_, connection_->run(), [this](std::exception_ptr) { done_.set_value(); });
    finished_ = done_.get_future();
    server_thread_ = std::thread([this] { io_.run(); });
    return *client_;
  }

  static std::string get(std::string_view target, std::string_view extra_headers = "") {
    return "GET " + std::string(target) + " HTTP/1.1\r\nHost: localhost\r\n" +
           std::string(extra_headers) + "\r\n";
  }

  ServerConfig config_;
  FakeHandler handler_;

 private:
  Metrics metrics_;
  ConnectionServices services_;
  asio::io_context io_;
  std::shared_ptr<Connection> connection_;
  std::optional<Client> client_;
  std::promise<void> done_;
  std::future<void> finished_;
  std::thread server_thread_;
};

TEST_F(ConnectionTest, KeepAliveServesTwoRequestsOnOneConnection) {
  auto& client = connect();
  ASSERT_TRUE(client.send_all(get("/one")));
  auto first = client.read_response();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(first->body, "served /one");

  ASSERT_TRUE(client.send_all(get("/two")));
  auto second = client.read_response();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->body, "served /two");
  EXPECT_EQ(handler_.targets(), (std::vector<std::string>{"/one", "/two"}));
}

TEST_F(ConnectionTest, RequestsSentBackToBackAreAnsweredInOrder) {
  auto& client = connect();
  ASSERT_TRUE(client.send_all(get("/first") + get("/second")));
  auto first = client.read_response();
  auto second = client.read_response();
  ASSERT_TRUE(first && second) << "errno " << client.last_errno();
  EXPECT_EQ(first->body, "served /first");
  EXPECT_EQ(second->body, "served /second");
}

TEST_F(ConnectionTest, ConnectionCloseEndsTheConnectionAfterTheResponse) {
  auto& client = connect();
  ASSERT_TRUE(client.send_all(get("/only", "Connection: close\r\n")));
  auto res = client.read_response();
  ASSERT_TRUE(res) << "errno " << client.last_errno();
  EXPECT_EQ(res->body, "served /only");
  EXPECT_TRUE(client.reads_clean_eof()) << "errno " << client.last_errno();
}

TEST_F(ConnectionTest, MalformedHeadGetsTheRejectAnswerAndTheConnectionCloses) {
  auto& client = connect();
  ASSERT_TRUE(client.send_all("THIS IS NOT HTTP\r\n\r\n"));
  auto res = client.read_response();
  ASSERT_TRUE(res) << "errno " << client.last_errno();
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(res->body, "rejected: malformed");
  EXPECT_TRUE(client.reads_clean_eof()) << "errno " << client.last_errno();
  EXPECT_EQ(handler_.rejected(), 1);
  EXPECT_TRUE(handler_.targets().empty());
}

TEST_F(ConnectionTest, OversizedHeadIsRejectedAsTooLarge) {
  config_.max_header_bytes = 1024;
  auto& client = connect();
  ASSERT_TRUE(client.send_all(get("/big", "X-Filler: " + std::string(4096, 'f') + "\r\n")));
  auto res = client.read_response();
  ASSERT_TRUE(res) << "errno " << client.last_errno();
  EXPECT_EQ(res->body, "rejected: too large");
  EXPECT_TRUE(handler_.targets().empty());
}

TEST_F(ConnectionTest, UnsignedHealthzIsAnsweredWithoutTheHandler) {
  auto& client = connect();
  ASSERT_TRUE(client.send_all(get("/healthz")));
  auto res = client.read_response();
  ASSERT_TRUE(res) << "errno " << client.last_errno();
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "ok\n");
  EXPECT_TRUE(handler_.targets().empty());
}

TEST_F(ConnectionTest, SignedHealthzGoesToTheHandler) {
  auto& client = connect();
  ASSERT_TRUE(client.send_all(get("/healthz", "Authorization: AWS4-HMAC-SHA256 x\r\n")));
  auto res = client.read_response();
  ASSERT_TRUE(res) << "errno " << client.last_errno();
  EXPECT_EQ(res->body, "served /healthz");
}

TEST_F(ConnectionTest, IdleConnectionIsClosedByTheIdleTimeout) {
  config_.idle_timeout = std::chrono::seconds(1);
  auto& client = connect();
  EXPECT_TRUE(client.reads_clean_eof()) << "errno " << client.last_errno();
  EXPECT_TRUE(handler_.targets().empty());
}

TEST_F(ConnectionTest, ConnectionThatSendsNothingIsClosedByTheFirstByteDeadline) {
  config_.limits.first_byte_timeout = std::chrono::seconds(1);
  auto& client = connect();
  EXPECT_TRUE(client.reads_clean_eof()) << "errno " << client.last_errno();
  EXPECT_TRUE(handler_.targets().empty());
}

TEST_F(ConnectionTest, FirstByteDeadlineDoesNotApplyBetweenRequests) {
  config_.limits.first_byte_timeout = std::chrono::seconds(1);
  auto& client = connect();
  ASSERT_TRUE(client.send_all(get("/one")));
  ASSERT_TRUE(client.read_response());
  // Quiet for longer than the first-byte deadline; the idle timeout is 60 s.
  std::this_thread::sleep_for(std::chrono::seconds(2));
  ASSERT_TRUE(client.send_all(get("/two")));
  auto res = client.read_response();
  ASSERT_TRUE(res) << "errno " << client.last_errno();
  EXPECT_EQ(res->body, "served /two");
}

TEST_F(ConnectionTest, IdleKeepAliveConnectionIsClosedAfterItsLastResponse) {
  config_.idle_timeout = std::chrono::seconds(1);
  auto& client = connect();
  ASSERT_TRUE(client.send_all(get("/one")));
  ASSERT_TRUE(client.read_response());
  EXPECT_TRUE(client.reads_clean_eof()) << "errno " << client.last_errno();
}

TEST_F(ConnectionTest, HeadThatStopsHalfwayIsClosedByTheHeaderTimeout) {
  config_.header_timeout = std::chrono::seconds(1);
  auto& client = connect();
  ASSERT_TRUE(client.send_all("GET /slow HTTP/1.1\r\nHost: loc"));
  EXPECT_TRUE(client.reads_clean_eof()) << "errno " << client.last_errno();
  EXPECT_TRUE(handler_.targets().empty());
}

TEST_F(ConnectionTest, UnreadBodyEndsInALingeringCloseAfterTheWholeResponse) {
  auto& client = connect();
  // The handler answers without reading the body, while the client is still
  // sending it: the first half goes before the answer, the second after.
  const std::string half(32 * 1024, 'b');
  ASSERT_TRUE(client.send_all("PUT /ignore HTTP/1.1\r\nHost: localhost\r\nContent-Length: " +
                              std::to_string(2 * half.size()) + "\r\n\r\n" + half));
  auto res = client.read_response();
  ASSERT_TRUE(res) << "the response was lost, errno " << client.last_errno();
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "served /ignore");
  ASSERT_TRUE(client.send_all(half));
  // The server half-closed and drains what still comes: the client sees a
  // clean end. Closing outright would answer the second half with a reset.
  EXPECT_TRUE(client.reads_clean_eof()) << "errno " << client.last_errno();
}

TEST_F(ConnectionTest, BodyTheHandlerReadsKeepsTheConnectionReusable) {
  auto& client = connect();
  ASSERT_TRUE(
      client.send_all("PUT /read HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nhello"));
  auto first = client.read_response();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->body, "served /read read 5");
  ASSERT_TRUE(client.send_all(get("/after")));
  auto second = client.read_response();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->body, "served /after");
}

}  // namespace
}  // namespace moss::http
