// The client side of the Hugging Face Hub protocol that a mirroring moss
// speaks to its upstream (docs/hub-mirror.md): a revision's commit and files
// from GET /api/models/{repo}/revision/{rev}?blobs=true, and a file's bytes
// from GET /{repo}/resolve/{commit}/{path}, following redirects (the Hub sends
// LFS files to a CDN). The token goes to the upstream's own host only, never
// to the host a redirect names.
//
// Each call opens its own connections, so one HubUpstream may serve many
// threads at once. Calls block: run them off the network threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "moss/client/endpoint.h"
#include "moss/client/http_client.h"
#include "moss/util/result.h"

namespace moss::hub_mirror {

// One file of an upstream revision.
struct UpstreamFile {
  std::string path;
  uint64_t size = 0;
  // The SHA-256 the upstream states (LFS files); empty for small git files,
  // whose SHA-256 the mirror computes itself.
  std::string lfs_sha256;
  // The git object id the upstream gives ("blobId"): for an LFS file its
  // pointer's, for a small git file the file's own (its listing oid).
  std::string blob_id;
};

struct UpstreamRevision {
  std::string repo;
  std::string revision;  // as asked: "main", a tag, a commit
  std::string commit;    // the upstream's commit id (its "sha")
  std::string last_modified;  // the commit's time as the upstream states it (RFC 3339), if it does
  std::vector<UpstreamFile> files;
};

// What the upstream answered instead, passed on to the client that asked:
// status and the Hub's X-Error-Code / X-Error-Message. status 0: the upstream
// could not be reached or its answer was unusable (the mirror answers 502).
struct UpstreamError {
  int status = 0;
  std::string error_code;  // "RepoNotFound", "RevisionNotFound", "EntryNotFound", "GatedRepo"
  std::string message;
};

struct HubUpstreamConfig {
  client::Endpoint endpoint;  // https://huggingface.co by default
  std::string token;          // sent as Authorization: Bearer to the upstream's host
  client::HttpTimeouts timeouts;
};

class HubUpstream {
 public:
  explicit HubUpstream(HubUpstreamConfig config);

  Result<UpstreamRevision, UpstreamError> revision(const std::string& repo,
                                                   const std::string& revision) const;
  // Streams the file's bytes into `sink` (a 200 answer's body, after up to
  // kMaxRedirects redirects). A sink error or a cut transfer is an error.
  Result<void, UpstreamError> download(const std::string& repo, const std::string& commit,
                                       const std::string& path, client::BodySink& sink) const;

  const HubUpstreamConfig& config() const { return config_; }

  static constexpr int kMaxRedirects = 5;

 private:
  HubUpstreamConfig config_;
};

// The Hub's answer for a revision (JSON text) as an UpstreamRevision; nullopt
// when it is not one (no "sha", siblings without "rfilename").
std::optional<UpstreamRevision> parse_revision_document(const std::string& repo,
                                                        const std::string& revision,
                                                        std::string_view json);

// Where a redirect's Location points, relative to the endpoint it came from:
// the endpoint (same one for a relative Location) and the request target.
struct RedirectTarget {
  client::Endpoint endpoint;
  std::string target;
  bool same_host = true;  // whether the credentials may follow
};
std::optional<RedirectTarget> redirect_target(const client::Endpoint& from,
                                              std::string_view location);

}  // namespace moss::hub_mirror
