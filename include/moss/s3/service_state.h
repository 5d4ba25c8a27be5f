// The long-lived services and settings every request shares, as the server
// command assembles them (cli/serve_command.cpp) for the S3 front door.
#pragma once

#include <boost/asio/thread_pool.hpp>
#include <cstdint>
#include <string>

namespace moss {
class AuditLog;
}  // namespace moss
namespace moss::hub_mirror {
class HubMirror;
}  // namespace moss::hub_mirror
namespace moss::models {
class ContentHasher;
class ModelRegistry;
}  // namespace moss::models
namespace moss::store {
class LifecycleWorker;
class ObjectStore;
}  // namespace moss::store

namespace moss::s3 {

class Authenticator;

// The Hugging Face Hub read API (docs/huggingface.md): which bucket's model
// paths are its repositories, which tag "main" and "HEAD" name, and how many
// entries a page of a tree listing holds.
struct HubConfig {
  bool enabled = true;
  std::string bucket = "models";
  std::string default_tag = "latest";
  size_t tree_page_size = 1000;
};

struct ServiceConfig {
  std::string region = "us-east-1";
  // Virtual-hosted-style addressing (bucket.DOMAIN) when not empty.
  std::string domain;
  // S3's limit for a single PUT; larger objects need a multipart upload.
  uint64_t max_put_size = 5ull << 30;
  // Bytes moved per read/write on the upload path.
  size_t io_buffer_size = 1 << 20;
  HubConfig hub;
};

// Long-lived services shared by all requests.
struct ServiceState {
  ServiceConfig config;
  store::ObjectStore* store = nullptr;
  boost::asio::thread_pool* blocking = nullptr;  // fsync, commits
  // Long blocking work: copying a part's bytes (UploadPartCopy), setting or
  // rolling back a tag (may hash a whole file), lifecycle runs. Its own
  // threads, so a flood of it waits for itself while every request's short
  // steps (fsync, rename, commit) still find a thread of `blocking`.
  boost::asio::thread_pool* long_work = nullptr;

  // `long_work`, or `blocking` where no separate pool was set up.
  boost::asio::thread_pool& long_work_pool() const { return long_work ? *long_work : *blocking; }
  Authenticator* authenticator = nullptr;
  models::ModelRegistry* registry = nullptr;        // tags and the registry API
  models::ContentHasher* content_hasher = nullptr;  // SHA-256 of completed uploads
  store::LifecycleWorker* lifecycle = nullptr;      // POST /_moss/lifecycle/run
  // Model reads and tag changes (docs/audit.md); null when --audit-log off.
  AuditLog* audit_log = nullptr;
  // The Hugging Face Hub this server mirrors (docs/hub-mirror.md); null
  // without --hf-upstream.
  moss::hub_mirror::HubMirror* hub_mirror = nullptr;
};

}  // namespace moss::s3
