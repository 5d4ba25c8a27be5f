// moss as a mirror of a Hugging Face Hub (docs/hub-mirror.md): what a client
// asks of a repo revision moss does not hold is fetched from the upstream
// once, verified, stored as a dated snapshot under the repo's path and tagged
// with the upstream's revision name and commit id.
//
// Single-flight: concurrent fetches of the same file of the same commit share
// one upstream transfer. A transfer runs on the mirror's own threads and is
// written into a blob of the store (a temporary file in the data directory
// until sealed), published as it arrives (arriving_file.h) so that the
// requests that started or joined it can send the bytes on at once, and
// committed only when its size and SHA-256 match the upstream's (LFS files)
// or its size does (small git files, whose SHA-256 is computed): a failed or
// mismatched transfer stores nothing.
//
// Every method may block on the network or the store: call them from the
// long work pool. Thread-safe.
#pragma once

#include <atomic>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "moss/hub_mirror/arriving_file.h"
#include "moss/hub_mirror/hub_upstream.h"
#include "moss/store/object_types.h"
#include "moss/util/mutex.h"
#include "moss/util/result.h"

namespace moss {
class AuditLog;
class Metrics;
}  // namespace moss
namespace moss::models {
class ModelRegistry;
}  // namespace moss::models
namespace moss::store {
class BlobWriter;
class ObjectStore;
}  // namespace moss::store

namespace moss::hub_mirror {

// Who caused an upstream fetch, for its audit event.
struct Requester {
  std::string key_name;
  std::string access_key_id;
  std::string remote;
  std::string request_id;
};

// One file of a revision as the mirror holds it.
struct MirroredFile {
  UpstreamFile file;
  std::string key;  // "<repo>/<folder>/<path>"
  std::optional<store::ObjectVersion> stored;
};

struct HubMirrorSettings {
  std::string bucket = "models";  // where mirrored repos live (created when missing)
  bool offline = false;           // serve only what is mirrored: never ask the upstream
  int transfer_threads = 8;       // upstream transfers at once (of different files)
  // How long the commit a name ("main") names upstream is kept before the
  // upstream is asked again; 0: every time. A commit id's answer is kept.
  std::chrono::milliseconds revision_ttl{60'000};
};

// A fetch started (or joined): the file already stored, or arriving.
struct FetchStart {
  std::optional<store::ObjectVersion> stored;
  std::shared_ptr<ArrivingFile> arriving;
};

class HubMirror {
 public:
  HubMirror(HubUpstream upstream, HubMirrorSettings settings, store::ObjectStore& store,
            models::ModelRegistry& registry, AuditLog* audit_log, Metrics* metrics);
  // Cuts the transfers still running (they store nothing) and waits for them.
  ~HubMirror();
  HubMirror(const HubMirror&) = delete;
  HubMirror& operator=(const HubMirror&) = delete;

  const HubMirrorSettings& settings() const { return settings_; }

  // The upstream's commit and files of `revision` (a name or a commit id).
  // A commit id's answer is kept (it never changes); a name's for
  // settings().revision_ttl. Concurrent callers asking the same revision
  // share one upstream request. Offline: 404 RevisionNotFound unless it was
  // asked before.
  Result<UpstreamRevision, UpstreamError> revision(const std::string& repo,
                                                   const std::string& revision);

  // The key a file of `revision` is stored under: "<repo>/<date>-<commit12>/<path>".
  std::string file_key(const UpstreamRevision& revision, const std::string& path) const;

  // Each file of `revision` with its stored version, if any.
  std::vector<MirroredFile> files(const UpstreamRevision& revision);

  // The file stored, fetching it from the upstream unless it already is
  // (single-flight), and waiting for the transfer. The error is the
  // upstream's, or status 0 for a transfer that failed or did not verify.
  Result<store::ObjectVersion, UpstreamError> fetch(const UpstreamRevision& revision,
                                                    const std::string& path,
                                                    const Requester& requester);

  // Without waiting for the bytes: the stored file, or the file arriving
  // from a transfer this call started or joined. With `tag_when_stored`, a
  // transfer this call starts tags the revision (tag()) once the file is
  // stored, before it finishes, so that a reader who sees it finished finds
  // the file through the revision's tags.
  Result<FetchStart, UpstreamError> start_fetch(const UpstreamRevision& revision,
                                                const std::string& path, const Requester& requester,
                                                bool tag_when_stored);

  // Points the tags named for the revision and for its commit at the
  // revision's folder (a snapshot of the files stored there). 409-like error
  // (status 409) when none of its files is stored yet.
  Result<std::string, UpstreamError> tag(const UpstreamRevision& revision,
                                         const Requester& requester);

 private:
  // Runs on transfers_: the upstream transfer of `arriving`, then its outcome.
  void run_transfer(const UpstreamRevision& revision, const std::string& key,
                    std::unique_ptr<store::BlobWriter> writer, ArrivingFile& arriving,
                    const Requester& requester, bool tag_when_stored);
  Result<store::ObjectVersion, UpstreamError> transfer(const UpstreamRevision& revision,
                                                       const UpstreamFile& file,
                                                       const std::string& key,
                                                       store::BlobWriter& writer,
                                                       ArrivingFile& arriving);
  // The version stored under `key` if it holds `file`'s bytes.
  std::optional<store::ObjectVersion> stored_version(const std::string& key,
                                                     const UpstreamFile& file);
  void audit(const UpstreamRevision& revision, const std::string& key, const Requester& requester,
             const Result<store::ObjectVersion, UpstreamError>& outcome, uint64_t bytes);
  void count(std::string_view name, std::string_view label, uint64_t n = 1);

  HubUpstream upstream_;
  HubMirrorSettings settings_;
  store::ObjectStore& store_;
  models::ModelRegistry& registry_;
  AuditLog* audit_log_;
  Metrics* metrics_;

  std::atomic<bool> stopping_{false};
  Mutex mutex_;
  std::map<std::string, std::shared_ptr<ArrivingFile>> flights_ GUARDED_BY(mutex_);
  struct KnownRevision {
    UpstreamRevision revision;
    std::chrono::steady_clock::time_point asked;
  };
  std::map<std::string, KnownRevision> revisions_ GUARDED_BY(mutex_);
  // Revisions being asked upstream now, and the callers' wait for them.
  std::map<std::string, std::shared_ptr<Result<UpstreamRevision, UpstreamError>>> asking_
      GUARDED_BY(mutex_);
  std::condition_variable_any answered_;
  // Last: destroyed (joined) first, while everything a transfer uses exists.
  boost::asio::thread_pool transfers_;
};

}  // namespace moss::hub_mirror
