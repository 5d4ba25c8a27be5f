// A real S3Service, assembled as `moss serve` assembles it (cli/serve_command.cpp):
// an ObjectStore in a temporary directory, a blocking pool, an Authenticator
// with a known key, the model registry, content hasher and lifecycle worker.
// request() signs a request with SigV4 (Authorization header), runs it through
// S3Service::handle on an in-memory Exchange and returns what was answered.
// The server reads the wall clock, so requests are signed with the current time.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/http/verb.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <pugixml.hpp>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "moss/models/content_hasher.h"
#include "moss/models/model_registry.h"
#include "moss/s3/authenticator.h"
#include "moss/s3/credentials.h"
#include "moss/s3/s3_service.h"
#include "moss/s3/service_state.h"
#include "moss/store/lifecycle_worker.h"
#include "moss/store/object_store.h"
#include "moss/util/base64.h"
#include "moss/util/clock.h"
#include "moss/util/digest.h"
#include "moss/util/metrics.h"
#include "unit/store/temp_dir.h"
#include "unit/support/memory_exchange.h"
#include "unit/support/sigv4_request.h"

namespace moss::testing {

namespace bhttp = boost::beast::http;
using HeaderPairs = std::vector<std::pair<std::string, std::string>>;

inline const TestKey kTestKey{"AKIDMOSSTEST", "moss-test-secret-key"};
inline constexpr std::string_view kTestHost = "localhost:9000";

// What the service answered.
struct Response {
  int status = 0;
  http::ResponseHead head;
  std::string body;
  bool closes_connection = false;

  bool has_header(std::string_view name) const { return head.find(name) != head.end(); }
  std::string header(std::string_view name) const {
    auto it = head.find(name);
    return it == head.end() ? std::string() : std::string(it->value());
  }
  // The text of the first node `xpath` selects in the XML body ("" if none).
  std::string xml(const char* xpath) const {
    pugi::xml_document doc;
    if (!doc.load_buffer(body.data(), body.size())) return {};
    return doc.select_node(xpath).node().text().get();
  }
  // The texts of every node `xpath` selects, in document order.
  std::vector<std::string> xml_all(const char* xpath) const {
    pugi::xml_document doc;
    std::vector<std::string> out;
    if (!doc.load_buffer(body.data(), body.size())) return out;
    for (const auto& node : doc.select_nodes(xpath)) out.emplace_back(node.node().text().get());
    return out;
  }
  // <Error><Code> of an S3 error body.
  std::string error_code() const { return xml("/Error/Code"); }
  nlohmann::json json() const { return nlohmann::json::parse(body); }
};

class ServiceFixture : public ::testing::Test {
 protected:
  ServiceFixture() {
    auto opened = store::ObjectStore::open_local(dir_.path());
    if (!opened) throw std::runtime_error("cannot open the test store: " + opened.error().message);
    store_ = std::move(*opened);
    lifecycle_ = std::make_unique<store::LifecycleWorker>(*store_);
    registry_ = std::make_unique<models::ModelRegistry>(*store_);
    content_hasher_ = std::make_unique<models::ContentHasher>(*registry_);
    blocking_ = std::make_unique<boost::asio::thread_pool>(2);
    auto keys = std::make_shared<s3::CredentialStore>();
    keys->add({kTestKey.access_key_id, kTestKey.secret_access_key, "tester"});
    authenticator_ = std::make_unique<s3::Authenticator>(keys, s3::Authenticator::Config{});

    s3::ServiceState state;
    state.store = store_.get();
    state.blocking = blocking_.get();
    state.authenticator = authenticator_.get();
    state.registry = registry_.get();
    state.content_hasher = content_hasher_.get();
    state.lifecycle = lifecycle_.get();
    service_ = std::make_unique<s3::S3Service>(std::move(state), metrics_);
  }

  ~ServiceFixture() override {
    service_.reset();
    blocking_->join();
    content_hasher_->stop();
  }

  // A request signed in the Authorization header with the test key; the
  // payload hash is the body's SHA-256 unless `payload_hash` is given.
  Response request(bhttp::verb method, std::string target, HeaderPairs headers = {},
                   std::string body = {}, std::optional<std::string> payload_hash = std::nullopt) {
    auto head = make_head(method, target, headers, body.size());
    sign_request(head, kTestKey, now_unix_seconds(),
                 payload_hash ? *payload_hash : sha256_hex(body));
    return send(std::move(head), std::move(body));
  }

  // A request sent as given: no signature added.
  Response unsigned_request(bhttp::verb method, std::string target, HeaderPairs headers = {},
                            std::string body = {}) {
    return send(make_head(method, target, headers, body.size()), std::move(body));
  }

  // `target` presigned with the test key, valid for `expires_seconds` from now.
  std::string presign(bhttp::verb method, std::string_view target, int64_t expires_seconds = 3600) {
    return presign_target(bhttp::to_string(method), target, kTestHost, kTestKey, now_unix_seconds(),
                          expires_seconds);
  }

  // Runs `head` and `body` through S3Service::handle, `max_read` body bytes
  // at most per read (0: all at once).
  Response send(http::RequestHead head, std::string body, size_t max_read = 0) {
    const bool head_request = head.method() == bhttp::verb::head;
    MemoryExchange ex(std::move(head), std::move(body), max_read);
    boost::asio::io_context io;
    run_to_completion(io, service_->handle(ex));
    Response out;
    out.status = ex.response_status();
    out.head = ex.response_head();
    out.body = ex.response_body();
    out.closes_connection = ex.closes_after_response();
    // Whatever the handler answered, its head must describe its body.
    EXPECT_TRUE(ex.head_sent()) << "no response was sent";
    if (head_request) {
      EXPECT_TRUE(out.body.empty()) << "a HEAD answer carried a body";
    } else if (ex.declared_length()) {
      EXPECT_EQ(out.body.size(), *ex.declared_length()) << "Content-Length and body disagree";
    }
    return out;
  }

  static http::RequestHead make_head(bhttp::verb method, std::string_view target,
                                     const HeaderPairs& headers, size_t body_size) {
    http::RequestHead head;
    head.method(method);
    head.target(target);
    head.version(11);
    head.set(bhttp::field::host, kTestHost);
    for (const auto& [name, value] : headers) head.insert(name, value);
    if (body_size > 0 || method == bhttp::verb::put || method == bhttp::verb::post) {
      head.set(bhttp::field::content_length, std::to_string(body_size));
    }
    return head;
  }

  // --- Shorthands for the requests most tests start with.
  Response create_bucket(const std::string& bucket) {
    auto res = request(bhttp::verb::put, "/" + bucket);
    EXPECT_EQ(res.status, 200) << "CreateBucket " << bucket << ": " << res.body;
    return res;
  }
  Response put_object(const std::string& bucket, const std::string& key, std::string body,
                      HeaderPairs headers = {}) {
    return request(bhttp::verb::put, "/" + bucket + "/" + key, std::move(headers), std::move(body));
  }
  Response get_object(const std::string& bucket, const std::string& key, HeaderPairs headers = {}) {
    return request(bhttp::verb::get, "/" + bucket + "/" + key, std::move(headers));
  }
  // Content-MD5 of `body`, as DeleteObjects and PutBucketLifecycle require.
  static std::string content_md5(std::string_view body) {
    return base64_encode(digest(DigestAlgorithm::kMd5, body));
  }

  s3::S3Service& service() { return *service_; }

  Metrics metrics_;

 private:
  TempDir dir_;
  std::unique_ptr<store::ObjectStore> store_;
  std::unique_ptr<store::LifecycleWorker> lifecycle_;
  std::unique_ptr<models::ModelRegistry> registry_;
  std::unique_ptr<models::ContentHasher> content_hasher_;
  std::unique_ptr<boost::asio::thread_pool> blocking_;
  std::unique_ptr<s3::Authenticator> authenticator_;
  std::unique_ptr<s3::S3Service> service_;
};

}  // namespace moss::testing
