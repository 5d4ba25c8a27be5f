// Fetching a Hub revision's files once and keeping them (hub_mirror.h).
#include "moss/hub_mirror/hub_mirror.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include "moss/audit/audit_event.h"
#include "moss/audit/audit_log.h"
#include "moss/models/model_registry.h"
#include "moss/store/object_store.h"
#include "moss/util/clock.h"
#include "moss/util/logging.h"
#include "moss/util/metrics.h"
#include "moss/util/time_format.h"

namespace moss::hub_mirror {
namespace {

constexpr std::string_view kFetches = "moss_hub_upstream_fetches_total";
constexpr std::string_view kBytes = "moss_hub_upstream_bytes_total";
constexpr std::string_view kJoins = "moss_hub_single_flight_joins_total";

// Where the bytes of one upstream transfer go: a blob of the store, whose
// SHA-256 is computed as they arrive, each write published to the readers of
// the arriving file as soon as it is received (a slow upstream's bytes are
// not kept back to fill a buffer). A stopping server cuts the transfer.
class BlobSink : public client::BodySink {
 public:
  static constexpr size_t kReceiveBytes = 128 * 1024;

  BlobSink(store::BlobWriter& writer, ArrivingFile& arriving, const std::atomic<bool>& stopping)
      : writer_(writer), arriving_(arriving), stopping_(stopping), buffer_(kReceiveBytes) {}
  std::span<uint8_t> receive_buffer() override { return buffer_; }
  bool wants_bytes_as_received() const override { return true; }
  std::error_code write(std::span<const uint8_t> data) override {
    if (stopping_.load()) {
      error = "the server is stopping";
      return std::make_error_code(std::errc::operation_canceled);
    }
    auto written = writer_.write(data);
    if (!written) {
      error = written.error().message;
      return std::make_error_code(std::errc::io_error);
    }
    arriving_.add_arrived(data.size());
    return {};
  }
  std::string error;

 private:
  store::BlobWriter& writer_;
  ArrivingFile& arriving_;
  const std::atomic<bool>& stopping_;
  std::vector<uint8_t> buffer_;
};

bool is_hex(std::string_view text) {
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return !text.empty();
}

UpstreamError local_failure(std::string message) { return {0, "", std::move(message)}; }

}  // namespace

HubMirror::HubMirror(HubUpstream upstream, HubMirrorSettings settings, store::ObjectStore& store,
                     models::ModelRegistry& registry, AuditLog* audit_log, Metrics* metrics)
    : upstream_(std::move(upstream)),
      settings_(std::move(settings)),
      store_(store),
      registry_(registry),
      audit_log_(audit_log),
      metrics_(metrics),
      transfers_(static_cast<size_t>(std::max(1, settings_.transfer_threads))) {
  if (metrics_) {
    metrics_->declare_counter(std::string(kFetches), "result",
                              "Files fetched from the Hub upstream, by outcome",
                              {"stored", "failed", "mismatch"});
    metrics_->declare_counter(std::string(kBytes), "result",
                              "Bytes received from the Hub upstream", {"stored", "failed"});
    metrics_->declare_counter(std::string(kJoins), "result",
                              "Requests that waited for another request's upstream transfer",
                              {"joined"});
  }
}

HubMirror::~HubMirror() {
  stopping_.store(true);
  transfers_.join();
}

void HubMirror::count(std::string_view name, std::string_view label, uint64_t n) {
  if (metrics_) metrics_->count(name, label, n);
}

Result<UpstreamRevision, UpstreamError> HubMirror::revision(const std::string& repo,
                                                            const std::string& revision) {
  const std::string cache_key = repo + "@" + revision;
  std::shared_ptr<Result<UpstreamRevision, UpstreamError>> answer;
  {
    MutexLock lock(mutex_);
    auto it = revisions_.find(cache_key);
    if (it != revisions_.end() &&
        (settings_.offline || it->second.revision.commit == revision ||
         std::chrono::steady_clock::now() - it->second.asked < settings_.revision_ttl)) {
      return it->second.revision;
    }
    if (settings_.offline) {
      return fail(UpstreamError{404, "RevisionNotFound",
                                repo + "@" + revision +
                                    " is not mirrored and this server is offline (--hf-offline)."});
    }
    if (auto asking = asking_.find(cache_key); asking != asking_.end()) {
      // Another request is asking the upstream this now: take its answer.
      auto pending = asking->second;
      while (asking_.count(cache_key) && asking_.at(cache_key) == pending) answered_.wait(mutex_);
      return *pending;
    }
    answer = std::make_shared<Result<UpstreamRevision, UpstreamError>>(fail(UpstreamError{}));
    asking_[cache_key] = answer;
  }
  auto asked = upstream_.revision(repo, revision);
  if (!asked && asked.error().status == 0) {
    spdlog::warn("hub mirror: asking the upstream for {}@{}: {}", repo, revision,
                 asked.error().message);
  }
  MutexLock lock(mutex_);
  if (asked) {
    const auto now = std::chrono::steady_clock::now();
    revisions_[cache_key] = {*asked, now};
    revisions_[repo + "@" + asked->commit] = {*asked, now};
  }
  *answer = asked;
  asking_.erase(cache_key);
  answered_.notify_all();
  return asked;
}

std::string HubMirror::file_key(const UpstreamRevision& revision, const std::string& path) const {
  // The commit's own date when the upstream states it, so that every replica
  // and every re-run names the same folder; the commit's prefix keeps two
  // commits of one day apart (a folder is one snapshot).
  std::string date = revision.last_modified.size() >= 10 ? revision.last_modified.substr(0, 10)
                                                          : std::string();
  if (date.size() != 10 || date[4] != '-' || date[7] != '-') {
    date = format_iso8601(now_unix_nanos()).substr(0, 10);
  }
  return revision.repo + "/" + date + "-" + revision.commit.substr(0, 12) + "/" + path;
}

std::optional<store::ObjectVersion> HubMirror::stored_version(const std::string& key,
                                                              const UpstreamFile& file) {
  auto version = store_.get_version(settings_.bucket, key);
  if (!version || version->is_delete_marker || version->size != file.size) return std::nullopt;
  if (!file.lfs_sha256.empty() && version->content_sha256 != file.lfs_sha256) return std::nullopt;
  return *version;
}

std::vector<MirroredFile> HubMirror::files(const UpstreamRevision& revision) {
  std::vector<MirroredFile> out;
  for (const auto& f : revision.files) {
    const std::string key = file_key(revision, f.path);
    out.push_back({f, key, stored_version(key, f)});
  }
  return out;
}

Result<store::ObjectVersion, UpstreamError> HubMirror::fetch(const UpstreamRevision& revision,
                                                             const std::string& path,
                                                             const Requester& requester) {
  auto started = start_fetch(revision, path, requester, false);
  if (!started) return fail(started.error());
  if (started->stored) return *started->stored;
  started->arriving->wait_finished();
  return started->arriving->outcome();
}

Result<FetchStart, UpstreamError> HubMirror::start_fetch(const UpstreamRevision& revision,
                                                         const std::string& path,
                                                         const Requester& requester,
                                                         bool tag_when_stored) {
  const UpstreamFile* file = nullptr;
  for (const auto& f : revision.files) {
    if (f.path == path) file = &f;
  }
  if (!file) {
    return fail(UpstreamError{404, "EntryNotFound",
                              path + " is not a file of " + revision.repo + "@" + revision.commit});
  }
  const std::string key = file_key(revision, path);
  MutexLock lock(mutex_);
  if (auto it = flights_.find(key); it != flights_.end()) {
    // Another request is fetching this file: follow its transfer.
    count(kJoins, "joined");
    return FetchStart{std::nullopt, it->second};
  }
  if (auto stored = stored_version(key, *file)) return FetchStart{*stored, nullptr};
  if (settings_.offline) {
    return fail(UpstreamError{404, "EntryNotFound",
                              path + " is not mirrored and this server is offline."});
  }
  auto writer = store_.begin_blob({});
  if (!writer) return fail(local_failure("a blob for " + key + ": " + writer.error().message));
  auto reader = (*writer)->open_read();
  if (!reader) {
    return fail(local_failure("reading the blob of " + key + ": " + reader.error().message));
  }
  auto arriving = std::make_shared<ArrivingFile>(*file, revision.commit, std::move(*reader));
  flights_[key] = arriving;
  boost::asio::post(transfers_, [this, revision, key, writer = std::move(*writer), arriving,
                                 requester, tag_when_stored]() mutable {
    run_transfer(revision, key, std::move(writer), *arriving, requester, tag_when_stored);
  });
  return FetchStart{std::nullopt, arriving};
}

void HubMirror::run_transfer(const UpstreamRevision& revision, const std::string& key,
                             std::unique_ptr<store::BlobWriter> writer, ArrivingFile& arriving,
                             const Requester& requester, bool tag_when_stored) {
  auto outcome = transfer(revision, arriving.file(), key, *writer, arriving);
  // A failed transfer's temporary file goes before anyone learns the outcome.
  writer.reset();
  audit(revision, key, requester, outcome, outcome ? outcome->size : 0);
  if (outcome && tag_when_stored) {
    auto tagged = tag(revision, requester);
    if (!tagged) {
      spdlog::warn("hub mirror: tagging {}@{}: {}", revision.repo, revision.commit,
                   tagged.error().message);
      outcome = fail(tagged.error());
    }
  }
  MutexLock lock(mutex_);
  flights_.erase(key);
  arriving.finish(std::move(outcome));
}

Result<store::ObjectVersion, UpstreamError> HubMirror::transfer(const UpstreamRevision& revision,
                                                                const UpstreamFile& file,
                                                                const std::string& key,
                                                                store::BlobWriter& writer,
                                                                ArrivingFile& arriving) {
  if (auto bucket = store_.get_bucket(settings_.bucket); !bucket) {
    auto created = store_.create_bucket(settings_.bucket, "moss-hub-mirror", now_unix_nanos());
    if (!created && created.error().code != store::StoreErrc::kBucketAlreadyOwnedByYou &&
        created.error().code != store::StoreErrc::kBucketAlreadyExists) {
      count(kFetches, "failed");
      return fail(local_failure("creating bucket " + settings_.bucket + ": " +
                                created.error().message));
    }
  }
  BlobSink sink(writer, arriving, stopping_);
  auto downloaded = upstream_.download(revision.repo, revision.commit, file.path, sink);
  const uint64_t received = writer.bytes_written();
  if (!downloaded) {
    // The writer's temporary file goes with it: nothing is stored.
    count(kFetches, "failed");
    count(kBytes, "failed", received);
    auto error = downloaded.error();
    if (!sink.error.empty()) error = local_failure("storing " + key + ": " + sink.error);
    spdlog::warn("hub mirror: fetching {}@{} {} failed after {} bytes: {}", revision.repo,
             revision.commit, file.path, received, error.message);
    return fail(error);
  }
  auto sealed = writer.seal();
  if (!sealed) return fail(local_failure("sealing " + key + ": " + sealed.error().message));
  const std::string& sha256 = (*sealed)->sha256_hex();
  const bool size_ok = (*sealed)->size() == file.size;
  const bool sha_ok = file.lfs_sha256.empty() || !is_hex(file.lfs_sha256) ||
                      sha256 == file.lfs_sha256;
  if (!size_ok || !sha_ok || (!file.lfs_sha256.empty() && !is_hex(file.lfs_sha256))) {
    count(kFetches, "mismatch");
    count(kBytes, "failed", received);
    std::string why = "The upstream's bytes of " + file.path + " do not verify: " +
                      std::to_string((*sealed)->size()) + " bytes with SHA-256 " + sha256 +
                      ", the upstream states " + std::to_string(file.size) + " bytes" +
                      (file.lfs_sha256.empty() ? "" : " with SHA-256 " + file.lfs_sha256) +
                      ". Nothing was stored.";
    spdlog::warn("hub mirror: {}", why);
    return fail(local_failure(why));
  }
  store::NewVersion v;
  v.key = key;
  v.segments = {{sha256, (*sealed)->size()}};
  v.size = (*sealed)->size();
  v.etag = (*sealed)->md5_hex();
  v.content_sha256 = sha256;
  v.owner = "moss-hub-mirror";
  v.last_modified_ns = now_unix_nanos();
  auto committed = store_.put_object(settings_.bucket, v, **sealed, {});
  if (!committed) {
    count(kFetches, "failed");
    return fail(local_failure("storing " + key + ": " + committed.error().message));
  }
  count(kFetches, "stored");
  count(kBytes, "stored", received);
  return *committed;
}

void HubMirror::audit(const UpstreamRevision& revision, const std::string& key,
                      const Requester& requester,
                      const Result<store::ObjectVersion, UpstreamError>& outcome, uint64_t bytes) {
  if (!audit_log_) return;
  AuditEvent event;
  event.time_ns = now_unix_nanos();
  event.kind = std::string(kAuditKindHubFetch);
  event.key_name = requester.key_name;
  event.access_key_id = requester.access_key_id;
  event.remote = requester.remote;
  event.request_id = requester.request_id;
  event.bucket = settings_.bucket;
  event.key = key;
  // The revision asked for, then the upstream commit it named.
  event.tag_chain = {"hf://" + revision.repo + "@" + revision.revision, revision.commit};
  event.resolved_key = upstream_.config().endpoint.url();
  if (outcome) {
    event.version_id = outcome->version_id;
    event.sha256 = outcome->content_sha256;
    event.bytes_sent = bytes;
    event.status = 200;
  } else {
    event.status = outcome.error().status ? outcome.error().status : 502;
  }
  (void)audit_log_->append(std::move(event));
}

Result<std::string, UpstreamError> HubMirror::tag(const UpstreamRevision& revision,
                                                  const Requester& requester) {
  size_t stored = 0;
  for (const auto& f : files(revision)) stored += f.stored ? 1 : 0;
  if (stored == 0) {
    return fail(UpstreamError{409, "NothingMirrored",
                              "No file of " + revision.repo + "@" + revision.commit +
                                  " is stored yet: nothing to tag."});
  }
  const std::string folder_key = file_key(revision, "");
  const std::string folder = folder_key.substr(revision.repo.size() + 1);
  std::vector<std::string> tags{revision.commit};
  if (revision.revision != revision.commit) tags.push_back(revision.revision);
  // The Hub API serves the default revision ("main") from the tag "latest".
  if (revision.revision == "main") tags.push_back("latest");
  models::TagChange change;
  change.actor = requester.access_key_id.empty() ? "moss-hub-mirror" : requester.access_key_id;
  std::string snapshot;
  for (const auto& tag : tags) {
    auto view = registry_.set_tag(settings_.bucket, revision.repo, tag, {{folder, 1}}, change);
    if (!view) {
      return fail(local_failure("tag " + tag + " of " + revision.repo + ": " +
                                view.error().message));
    }
    if (view->resolved && view->resolved->snapshot) snapshot = view->resolved->snapshot->id;
  }
  return snapshot;
}

}  // namespace moss::hub_mirror
