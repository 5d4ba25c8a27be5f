// `moss serve`: opens the store, assembles credentials, and runs the server.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "moss/audit/audit_log.h"
#include "cli/descriptor_limit.h"
#include "moss/cli/byte_units.h"
#include "moss/cli/commands.h"
#include "moss/client/endpoint.h"
#include "moss/http/server.h"
#include "moss/hub_mirror/hub_mirror.h"
#include "moss/models/content_hasher.h"
#include "moss/models/model_registry.h"
#include "moss/s3/authenticator.h"
#include "moss/s3/credentials.h"
#include "moss/s3/s3_service.h"
#include "moss/store/lifecycle_worker.h"
#include "moss/store/object_store.h"
#include "moss/util/ascii.h"
#include "moss/util/clock.h"
#include "moss/util/duration.h"
#include "moss/util/fs.h"
#include "moss/util/logging.h"
#include "moss/util/metrics.h"
#include "moss/util/periodic_task.h"
#include "moss/version.h"

namespace moss::cli {
namespace {

struct ServeOptions {
  std::string listen = "127.0.0.1:9000";
  std::string data_dir = "./data";
  std::string metadata = "sqlite";  // or a postgresql:// URI (docs/replicas.md)
  std::string metadata_password_file;
  std::string blob_gc_grace = "6h";
  std::string blob_gc_interval = "1h";
  std::string credentials_file;
  std::string region = "us-east-1";
  std::string domain;
  s3::HubConfig hub;
  std::string log_format = "auto";
  std::string log_level = "info";
  std::string port_file;
  int threads = 0;
  int blocking_threads = 16;
  int long_work_threads = 4;
  int shutdown_grace_seconds = 30;
  int shutdown_delay_seconds = 0;
  int idle_timeout_seconds = 75;
  int header_timeout_seconds = 30;
  int io_timeout_seconds = 120;
  int64_t max_connections = 0;  // 0: sized to the descriptor limit
  int first_byte_timeout_seconds = 10;
  std::string min_body_rate = "1KiB";  // per second; 0: no floor
  std::string small_object_cache = "64MiB";
  int min_body_rate_window_seconds = 60;
  int credentials_reload_seconds = 10;
  std::string multipart_expiry = "7d";
  std::string multipart_sweep_interval = "1h";
  std::string lifecycle_interval = "1h";
  std::string lifecycle_clock_offset = "0s";
  std::string snapshot_retention = "24h";
  std::string audit_log;  // empty: <data>/audit; "off": no audit trail
  std::string audit_retention = "30d";
  std::string audit_max_file_size = "64MiB";
  std::string tls_cert;
  std::string tls_key;
  std::string tls_client_ca;
  int tls_reload_seconds = 5;
  // Mirroring a Hugging Face Hub (docs/hub-mirror.md): off unless
  // --hf-upstream is given (without a URL: the public Hub).
  bool hf_upstream_given = false;
  std::string hf_upstream;
  std::string hf_token_file;  // else HF_TOKEN
  std::string hf_ca_file;     // else the system's CA bundle
  bool hf_offline = false;
  std::string hf_revision_ttl = "60s";  // how long a branch name's commit is kept
};

constexpr std::string_view kPublicHub = "https://huggingface.co";

// The mirror --hf-upstream asks for, or nullptr; 2 for a bad setting.
Result<std::unique_ptr<hub_mirror::HubMirror>, int> open_hub_mirror(const ServeOptions& options,
                                                             store::ObjectStore& store,
                                                             models::ModelRegistry& registry,
                                                             AuditLog* audit_log,
                                                             Metrics& metrics) {
  if (!options.hf_upstream_given && !options.hf_offline) return std::unique_ptr<hub_mirror::HubMirror>();
  const std::string url = options.hf_upstream.empty() ? std::string(kPublicHub) : options.hf_upstream;
  std::string why;
  auto endpoint = client::parse_endpoint(url, &why);
  if (!endpoint) {
    spdlog::critical("--hf-upstream {}: {}", url, why);
    return fail(2);
  }
  endpoint->ca_file = options.hf_ca_file;
  std::string token;
  if (!options.hf_token_file.empty()) {
    std::ifstream in(options.hf_token_file);
    if (!in || !std::getline(in, token)) {
      spdlog::critical("--hf-token-file {}: cannot read a token from it", options.hf_token_file);
      return fail(2);
    }
    token = std::string(trim_ascii_space(token));
  } else if (const char* env = std::getenv("HF_TOKEN")) {
    token = std::string(trim_ascii_space(env));
  }
  hub_mirror::HubMirrorSettings settings;
  settings.offline = options.hf_offline;
  auto ttl = parse_duration(options.hf_revision_ttl);
  if (!ttl) {
    spdlog::critical("--hf-revision-ttl takes a duration such as 60s or 5m (0s: ask every time)");
    return fail(2);
  }
  settings.revision_ttl = *ttl;
  spdlog::info("mirroring the Hub at {}{}{}", endpoint->url(), token.empty() ? " (no token)" : "",
               options.hf_offline ? ", offline: serving only what is mirrored" : "");
  return std::make_unique<hub_mirror::HubMirror>(hub_mirror::HubUpstream({*endpoint, token, {}}),
                                          std::move(settings), store, registry, audit_log,
                                          &metrics);
}

// The default audit directory: <data>/audit, or, when replicas share the
// data directory, <data>/audit/<host name>: each replica writes its own files.
std::string default_audit_directory(const ServeOptions& options, bool shared) {
  if (!shared) return options.data_dir + "/audit";
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0 || !*host) std::snprintf(host, sizeof host, "%d", ::getpid());
  return options.data_dir + "/audit/" + host;
}

// The audit trail (docs/audit.md), or null when --audit-log is "off".
// Exits with a message (code 2) on a bad option, 1 when the log cannot open.
Result<std::unique_ptr<AuditLog>, int> open_audit_log(const ServeOptions& options, bool shared) {
  if (options.audit_log == "off") {
    spdlog::warn("the audit trail is off (--audit-log off): model reads are not recorded");
    return std::unique_ptr<AuditLog>();
  }
  AuditLogOptions audit;
  audit.directory =
      options.audit_log.empty() ? default_audit_directory(options, shared) : options.audit_log;
  auto retention = parse_duration(options.audit_retention);
  auto max_size = parse_size(options.audit_max_file_size);
  if (!retention || !max_size || *max_size == 0) {
    spdlog::critical(
        "--audit-retention takes a duration such as 30d or 90d (0s keeps every file), "
        "--audit-max-file-size a size such as 64MiB (more than 0)");
    return fail(2);
  }
  audit.retention = std::chrono::duration_cast<std::chrono::seconds>(*retention);
  audit.max_file_bytes = *max_size;
  auto log = AuditLog::open(std::move(audit));
  if (!log) {
    spdlog::critical("cannot open the audit log in {}: {}",
                     audit.directory,
                     log.error().message());
    return fail(1);
  }
  return std::move(*log);
}

bool split_listen(const std::string& listen, std::string& host, uint16_t& port) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) return false;
  host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) host = "0.0.0.0";
  try {
    int p = std::stoi(listen.substr(colon + 1));
    if (p < 0 || p > 65535) return false;
    port = static_cast<uint16_t>(p);
  } catch (...) {
    return false;
  }
  return true;
}

// The key set: the MOSS_* environment pair plus the --credentials file.
Result<s3::CredentialStore, std::string> load_configured_keys(const std::string& file) {
  s3::CredentialStore keys;
  if (!file.empty()) {
    std::string text;
    if (auto ec = read_file(file, text)) return fail(file + ": " + ec.message());
    auto parsed = s3::CredentialStore::from_json(text);
    if (!parsed) return fail(file + ": " + parsed.error());
    keys = std::move(*parsed);
  }
  const char* id = std::getenv("MOSS_ACCESS_KEY_ID");
  const char* secret = std::getenv("MOSS_SECRET_ACCESS_KEY");
  if (id && secret && *id) {
    // The operator's bootstrap key: an administrator (docs/access-control.md).
    if (!keys.add({id, secret, "env", s3::administrator_policy()})) {
      return fail(std::string("MOSS_ACCESS_KEY_ID / MOSS_SECRET_ACCESS_KEY are malformed "
                              "(printable ASCII, secret of 8+ characters)"));
    }
  } else if ((id && *id) || secret) {
    return fail(std::string("set both MOSS_ACCESS_KEY_ID and MOSS_SECRET_ACCESS_KEY"));
  }
  return keys;
}

// What the credentials reload has done, for /metrics: an operator rotating a
// Secret sees whether the new file was taken or refused without reading logs.
// `metrics` must outlive this, and this every later render.
class CredentialReloads {
 public:
  explicit CredentialReloads(Metrics& metrics) : metrics_(metrics) {
    metrics_.declare_counter(std::string(kApplied),
                             "Changed credentials files taken (keys replaced)");
    metrics_.declare_counter(std::string(kRefused),
                             "Changed credentials files refused (the previous keys kept)");
    metrics_.add_gauge("moss_credentials_file_invalid",
                       "1 while the credentials file on disk is refused and older keys serve",
                       [this] { return last_refused_.load() ? 1.0 : 0.0; });
  }

  void applied() {
    metrics_.count(kApplied);
    last_refused_.store(false);
  }
  void refused() {
    metrics_.count(kRefused);
    last_refused_.store(true);
  }

 private:
  static constexpr std::string_view kApplied = "moss_credentials_reloads_total";
  static constexpr std::string_view kRefused = "moss_credentials_reload_failures_total";
  Metrics& metrics_;
  std::atomic<bool> last_refused_{false};
};

// Kubernetes updates a mounted Secret in place; re-reading the file lets keys
// rotate without a restart. A file that does not parse keeps the old keys.
boost::asio::awaitable<void> reload_credentials(s3::Authenticator& auth, std::string file,
                                                int period_seconds, CredentialReloads& reloads) {
  std::string last;
  (void)read_file(file, last);
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
  while (true) {
    timer.expires_after(std::chrono::seconds(period_seconds));
    co_await timer.async_wait(boost::asio::use_awaitable);
    std::string now;
    if (read_file(file, now) || now == last) continue;
    last = now;
    auto keys = load_configured_keys(file);
    if (!keys || keys->empty()) {
      spdlog::error("credentials file changed but cannot be used, keeping the old keys: {}",
                    keys ? std::string("no keys") : keys.error());
      reloads.refused();
      continue;
    }
    spdlog::info("credentials reloaded from {}: {} key(s)", file, keys->size());
    auth.replace_keys(std::make_shared<const s3::CredentialStore>(std::move(*keys)));
    reloads.applied();
  }
}

// Uploads nobody has added a part to for `expiry` are abandoned: their parts
// would otherwise hold disk space forever. Runs at start and every `interval`.
// With several replicas only the one holding the background lock runs it.
std::unique_ptr<PeriodicTask> start_upload_expiry_sweep(store::ObjectStore& store,
                                                        std::chrono::milliseconds expiry,
                                                        std::chrono::milliseconds interval,
                                                        std::string expiry_text) {
  return std::make_unique<PeriodicTask>(
      "multipart upload expiry sweep", interval, [&store, expiry, expiry_text] {
        if (!store.runs_background_work()) return;
        const int64_t cutoff =
            now_unix_nanos() - std::chrono::duration_cast<std::chrono::nanoseconds>(expiry).count();
        auto aborted = store.abort_idle_uploads(cutoff);
        if (!aborted) {
          spdlog::error("multipart upload expiry sweep: {}", aborted.error().message);
        } else if (*aborted) {
          spdlog::info("removed {} multipart upload(s) idle for more than {}", *aborted,
                       expiry_text);
        }
      });
}

// Applies the buckets' lifecycle rules at start and every `interval`
// (docs/versioning.md); POST /_moss/lifecycle/run runs the same worker now.
// With several replicas only the one holding the background lock runs it.
std::unique_ptr<PeriodicTask> start_lifecycle_task(store::ObjectStore& store,
                                                   store::LifecycleWorker& worker,
                                                   std::chrono::milliseconds interval) {
  return std::make_unique<PeriodicTask>("lifecycle worker", interval, [&store, &worker] {
    if (!store.runs_background_work()) return;
    auto stats = worker.run();
    if (!stats) {
      spdlog::error("lifecycle worker: {}", stats.error().message);
      return;
    }
    const size_t changes = stats->noncurrent_versions_expired + stats->current_versions_expired +
                           stats->delete_markers_removed + stats->uploads_aborted +
                           stats->snapshots_released;
    spdlog::log(changes ? spdlog::level::info : spdlog::level::debug,
                "lifecycle worker: {} bucket(s) with rules; expired {} noncurrent and {} current "
                "version(s), removed {} delete marker(s), aborted {} upload(s), ended the "
                "retention of {} snapshot(s), released {} blob(s)",
                stats->buckets, stats->noncurrent_versions_expired, stats->current_versions_expired,
                stats->delete_markers_removed, stats->uploads_aborted, stats->snapshots_released,
                stats->blobs_released);
  });
}

// Shared storage (PostgreSQL metadata): blob files nothing has referenced
// for `grace` are removed, by the replica holding the background lock.
std::unique_ptr<PeriodicTask> start_blob_garbage_collection(store::ObjectStore& store,
                                                            std::chrono::milliseconds grace,
                                                            std::chrono::milliseconds interval) {
  return std::make_unique<PeriodicTask>("blob garbage collection", interval, [&store, grace] {
    if (!store.runs_background_work()) return;
    auto removed =
        store.collect_garbage(std::chrono::duration_cast<std::chrono::seconds>(grace));
    if (!removed) {
      spdlog::error("blob garbage collection: {}", removed.error().message);
    } else if (*removed) {
      spdlog::info("blob garbage collection: removed {} unreferenced blob(s)", *removed);
    }
  });
}

// The password of the metadata database, from --metadata-password-file, for
// libpq (which reads PGPASSWORD); the DSN itself need not carry a secret.
bool load_metadata_password(const std::string& file) {
  if (file.empty()) return true;
  std::string text;
  if (auto ec = read_file(file, text)) {
    spdlog::critical("--metadata-password-file {}: {}", file, ec.message());
    return false;
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  ::setenv("PGPASSWORD", text.c_str(), 1);
  return true;
}

int serve(const ServeOptions& options) {
  LogFormat format = options.log_format == "json"   ? LogFormat::kJson
                     : options.log_format == "text" ? LogFormat::kText
                     : isatty(STDOUT_FILENO)         ? LogFormat::kText
                                                     : LogFormat::kJson;
  setup_logging(format, options.log_level);

  http::ServerConfig server_config;
  if (!split_listen(options.listen, server_config.host, server_config.port)) {
    spdlog::critical("--listen must be HOST:PORT, got '{}'", options.listen);
    return 2;
  }
  server_config.io_threads = options.threads;
  server_config.shutdown_grace = std::chrono::seconds(options.shutdown_grace_seconds);
  server_config.shutdown_delay = std::chrono::seconds(options.shutdown_delay_seconds);
  server_config.idle_timeout = std::chrono::seconds(options.idle_timeout_seconds);
  server_config.header_timeout = std::chrono::seconds(options.header_timeout_seconds);
  server_config.io_timeout = std::chrono::seconds(options.io_timeout_seconds);
  const uint64_t descriptor_limit = raise_descriptor_limit();
  server_config.limits.max_connections = options.max_connections > 0
                                             ? static_cast<size_t>(options.max_connections)
                                             : default_max_connections(descriptor_limit);
  server_config.limits.first_byte_timeout = std::chrono::seconds(options.first_byte_timeout_seconds);
  auto min_body_rate = parse_size(options.min_body_rate);
  if (!min_body_rate) {
    spdlog::critical("--min-body-rate takes bytes per second such as 1KiB or 512 (0: no floor)");
    return 2;
  }
  server_config.limits.min_body_rate = *min_body_rate;
  server_config.limits.min_body_rate_window =
      std::chrono::seconds(options.min_body_rate_window_seconds);
  spdlog::info("serving at most {} connections (descriptor limit {})",
               server_config.limits.max_connections, descriptor_limit);
  if (options.tls_cert.empty() != options.tls_key.empty()) {
    spdlog::critical("--tls-cert and --tls-key go together (HTTPS needs both)");
    return 2;
  }
  if (!options.tls_client_ca.empty() && options.tls_cert.empty()) {
    spdlog::critical("--tls-client-ca needs --tls-cert and --tls-key");
    return 2;
  }
  server_config.tls.cert_file = options.tls_cert;
  server_config.tls.key_file = options.tls_key;
  server_config.tls.client_ca_file = options.tls_client_ca;
  server_config.tls.reload_interval = std::chrono::seconds(options.tls_reload_seconds);

  auto keys = load_configured_keys(options.credentials_file);
  if (!keys) {
    spdlog::critical("credentials: {}", keys.error());
    return 2;
  }
  if (keys->empty()) {
    bool created = false;
    auto dev = s3::load_or_create_dev_key(options.data_dir, created);
    if (!dev) {
      spdlog::critical("development key: {}", dev.error());
      return 2;
    }
    if (created) {
      // Printed once, plainly, so a new user can paste it into a shell.
      std::fprintf(stdout,
                   "moss: no credentials configured; generated a development key pair\n"
                   "      (kept in %s/dev-credentials.json):\n\n"
                   "  export AWS_ACCESS_KEY_ID=%s\n"
                   "  export AWS_SECRET_ACCESS_KEY=%s\n\n",
                   options.data_dir.c_str(), dev->access_key_id.c_str(),
                   dev->secret_access_key.c_str());
      std::fflush(stdout);
    } else {
      spdlog::info("using the development key {} from {}/dev-credentials.json",
                   dev->access_key_id, options.data_dir);
    }
    keys->add(*dev);
  }

  if (!load_metadata_password(options.metadata_password_file)) return 2;
  auto store = store::ObjectStore::open(options.data_dir, options.metadata);
  if (!store) {
    if (store.error().code == store::StoreErrc::kInvalidArgument) {
      spdlog::critical("--metadata: {}", store.error().message);
      return 2;
    }
    spdlog::critical("cannot open the store (data {}, metadata {}): {}", options.data_dir,
                     options.metadata == "sqlite" ? "sqlite" : "postgresql",
                     store.error().message);
    return 1;
  }
  auto small_object_cache = parse_size(options.small_object_cache);
  if (!small_object_cache) {
    spdlog::critical("--small-object-cache takes a size such as 64MiB (0: keep none)");
    return 2;
  }
  (*store)->set_small_body_cache_bytes(*small_object_cache);
  std::unique_ptr<PeriodicTask> garbage_collection;
  if ((*store)->shared()) {
    auto grace = parse_duration(options.blob_gc_grace);
    auto interval = parse_duration(options.blob_gc_interval);
    if (!grace || !interval || interval->count() == 0) {
      spdlog::critical(
          "--blob-gc-grace and --blob-gc-interval take durations such as 6h, 30m (the interval "
          "more than 0)");
      return 2;
    }
    garbage_collection = start_blob_garbage_collection(**store, *grace, *interval);
  }

  auto expiry = parse_duration(options.multipart_expiry);
  auto sweep_interval = parse_duration(options.multipart_sweep_interval);
  if (!expiry || !sweep_interval || sweep_interval->count() == 0) {
    spdlog::critical(
        "--multipart-expiry and --multipart-sweep-interval take durations such as "
        "7d, 12h, 30m, 10s (the interval more than 0)");
    return 2;
  }
  auto upload_sweep =
      start_upload_expiry_sweep(**store, *expiry, *sweep_interval, options.multipart_expiry);

  auto lifecycle_interval = parse_duration(options.lifecycle_interval);
  auto lifecycle_clock_offset = parse_duration(options.lifecycle_clock_offset);
  if (!lifecycle_interval || lifecycle_interval->count() == 0 || !lifecycle_clock_offset) {
    spdlog::critical(
        "--lifecycle-interval and --lifecycle-clock-offset take durations such as 1h, 10m, 30d "
        "(the interval more than 0)");
    return 2;
  }
  if (lifecycle_clock_offset->count() != 0) {
    spdlog::warn("the lifecycle worker's clock runs {} ahead of the wall clock",
                 options.lifecycle_clock_offset);
  }
  auto snapshot_retention = parse_duration(options.snapshot_retention);
  if (!snapshot_retention) {
    spdlog::critical("--snapshot-retention takes a duration such as 24h, 30m, 7d, 0s");
    return 2;
  }
  store::LifecycleWorker lifecycle(**store, *lifecycle_clock_offset, *snapshot_retention);
  auto lifecycle_task = start_lifecycle_task(**store, lifecycle, *lifecycle_interval);

  // Before the audit log, which counts into it until it is closed.
  Metrics metrics;
  auto audit_log = open_audit_log(options, (*store)->shared());
  if (!audit_log) return audit_log.error();
  if (*audit_log) (*audit_log)->add_metrics_to(metrics);
  CredentialReloads credential_reloads(metrics);
  (*store)->add_metrics_to(metrics);
  // To alert on before uploads start answering 507 InsufficientStorage.
  metrics.add_gauge("moss_data_available_bytes",
                    "Bytes the data directory's filesystem has left for new uploads (-1: unknown)",
                    [&store = **store] {
                      auto available = store.blob_bytes_available();
                      return available ? static_cast<double>(*available) : -1.0;
                    });
  boost::asio::thread_pool blocking(static_cast<size_t>(std::max(1, options.blocking_threads)));
  boost::asio::thread_pool long_work(static_cast<size_t>(std::max(1, options.long_work_threads)));
  s3::Authenticator authenticator(std::make_shared<const s3::CredentialStore>(std::move(*keys)),
                                  {options.region});
  s3::ServiceState state;
  state.config.hub = options.hub;
  state.config.region = options.region;
  state.config.domain = options.domain;
  state.store = store->get();
  state.blocking = &blocking;
  state.long_work = &long_work;
  state.authenticator = &authenticator;
  state.lifecycle = &lifecycle;
  state.audit_log = audit_log->get();
  models::ModelRegistry registry(**store);
  registry.add_metrics_to(metrics);
  state.registry = &registry;
  models::ContentHasher content_hasher(registry);
  state.content_hasher = &content_hasher;
  auto hub_mirror = open_hub_mirror(options, **store, registry, audit_log->get(), metrics);
  if (!hub_mirror) return hub_mirror.error();
  state.hub_mirror = hub_mirror->get();
  s3::S3Service service(std::move(state), metrics);

  auto* object_store = store->get();
  http::Server server(server_config, service, metrics, [object_store]() -> std::string {
    auto available = object_store->check_metadata();
    if (!available) return "metadata store: " + available.error().message;
    auto listed = object_store->list_buckets();
    return listed ? std::string() : "metadata store: " + listed.error().message;
  });
  if (auto r = server.listen(); !r) {
    spdlog::critical("{}", r.error());
    return 1;
  }
  if (!options.port_file.empty()) {
    if (auto ec = write_file_atomically(options.port_file, std::to_string(server.port()) + "\n",
                                        0644)) {
      spdlog::critical("cannot write --port-file {}: {}", options.port_file, ec.message());
      return 1;
    }
  }
  if (!options.credentials_file.empty() && options.credentials_reload_seconds > 0) {
    boost::asio::co_spawn(server.io_context(),
                          reload_credentials(authenticator, options.credentials_file,
                                             options.credentials_reload_seconds,
                                             credential_reloads),
                          boost::asio::detached);
  }
  spdlog::info("moss {} serving S3 on {}://{}:{} (data: {}, metadata: {}, region: {})", kVersion,
               server_config.tls.enabled() ? "https" : "http", server_config.host, server.port(),
               options.data_dir, (*store)->shared() ? "postgresql" : "sqlite", options.region);
  server.run();
  // Every request has been answered (or cut off by the grace period): write
  // and sync the events of all of them before exiting.
  if (*audit_log) (*audit_log)->close();
  content_hasher.stop();
  upload_sweep->stop();
  if (garbage_collection) garbage_collection->stop();
  lifecycle.stop();
  lifecycle_task->stop();
  long_work.join();
  blocking.join();
  return 0;
}

// The last line a stopped server logs is written after every object of
// serve() is destroyed, and the loggers stay alive: a destructor or a late
// worker that logs after spdlog::shutdown() would dereference a dropped
// default logger and turn a clean stop into a crash (a non-zero exit that
// Kubernetes reports as an error).
int serve_then_report(const ServeOptions& options) {
  int code = serve(options);
  if (code == 0) spdlog::info("moss stopped");
  spdlog::default_logger()->flush();
  return code;
}

}  // namespace

void register_serve_command(CLI::App& app) {
  auto options = std::make_shared<ServeOptions>();
  auto* cmd = app.add_subcommand("serve", "Run the object storage server");
  cmd->add_option("--listen", options->listen, "Address to listen on, HOST:PORT (port 0: any)")
      ->envname("MOSS_LISTEN")
      ->capture_default_str();
  cmd->add_option("--data", options->data_dir, "Data directory")
      ->envname("MOSS_DATA")
      ->capture_default_str();
  cmd->add_option("--metadata", options->metadata,
                  "Where object metadata lives: sqlite (embedded, in the data directory) or a "
                  "PostgreSQL URI postgresql://USER@HOST[:PORT]/DB shared by several replicas "
                  "over one shared data directory (docs/replicas.md)")
      ->envname("MOSS_METADATA")
      ->capture_default_str();
  cmd->add_option("--metadata-password-file", options->metadata_password_file,
                  "File holding the PostgreSQL password (else PGPASSWORD or ~/.pgpass)")
      ->envname("MOSS_METADATA_PASSWORD_FILE");
  cmd->add_option("--blob-gc-grace", options->blob_gc_grace,
                  "With PostgreSQL metadata: remove an unreferenced blob file only once it has "
                  "not been linked for this long (e.g. 6h)")
      ->envname("MOSS_BLOB_GC_GRACE")
      ->capture_default_str();
  cmd->add_option("--blob-gc-interval", options->blob_gc_interval,
                  "With PostgreSQL metadata: how often to look for unreferenced blob files")
      ->envname("MOSS_BLOB_GC_INTERVAL")
      ->capture_default_str();
  cmd->add_option("--credentials", options->credentials_file,
                  "JSON file of access keys: {\"keys\": [{\"access_key_id\", "
                  "\"secret_access_key\", \"name\"}]}")
      ->envname("MOSS_CREDENTIALS");
  cmd->add_option("--region", options->region, "Region clients sign for")
      ->envname("MOSS_REGION")
      ->capture_default_str();
  cmd->add_option("--domain", options->domain,
                  "Serve virtual-hosted-style requests for BUCKET.DOMAIN too")
      ->envname("MOSS_DOMAIN");
  cmd->add_option("--hub-bucket", options->hub.bucket,
                  "Bucket whose model paths the Hugging Face Hub API serves as repositories")
      ->envname("MOSS_HUB_BUCKET")
      ->capture_default_str();
  cmd->add_option("--hub-default-tag", options->hub.default_tag,
                  "Tag the Hub API's \"main\" and \"HEAD\" revisions name")
      ->envname("MOSS_HUB_DEFAULT_TAG")
      ->capture_default_str();
  cmd->add_option("--hub-page-size", options->hub.tree_page_size,
                  "Entries per page of a Hub API tree listing")
      ->envname("MOSS_HUB_PAGE_SIZE")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  cmd->add_flag("!--no-hub-api", options->hub.enabled,
                "Do not serve the Hugging Face Hub API (its paths are S3 keys then)");
  cmd->add_option("--threads", options->threads, "Network threads (0: one per core, at least 2)")
      ->envname("MOSS_THREADS");
  cmd->add_option("--blocking-threads", options->blocking_threads,
                  "Threads for disk syncs and database commits")
      ->capture_default_str();
  cmd->add_option("--long-work-threads", options->long_work_threads,
                  "Threads for long blocking work (UploadPartCopy, hashing a file for a tag set or "
                  "rollback, lifecycle runs), apart from --blocking-threads")
      ->envname("MOSS_LONG_WORK_THREADS")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--shutdown-grace", options->shutdown_grace_seconds,
                  "Seconds requests in flight get to finish after SIGTERM")
      ->capture_default_str();
  cmd->add_option("--shutdown-delay", options->shutdown_delay_seconds,
                  "Seconds to keep serving after SIGTERM, with /readyz at 503, before the "
                  "listener closes (time for endpoints to drop this instance)")
      ->envname("MOSS_SHUTDOWN_DELAY")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--idle-timeout", options->idle_timeout_seconds,
                  "Seconds an idle keep-alive connection is kept open")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--header-timeout", options->header_timeout_seconds,
                  "Seconds a request head may take to arrive, from its first byte")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--io-timeout", options->io_timeout_seconds,
                  "Seconds a request body read or response write may make no progress")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--max-connections", options->max_connections,
                  "Connections served at once; more are answered 503 SlowDown (0: sized to the "
                  "open-file limit)")
      ->envname("MOSS_MAX_CONNECTIONS")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--first-byte-timeout", options->first_byte_timeout_seconds,
                  "Seconds a new connection may take to send its first byte")
      ->envname("MOSS_FIRST_BYTE_TIMEOUT")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--min-body-rate", options->min_body_rate,
                  "Bytes per second a request body must keep up (e.g. 1KiB; 0: no floor)")
      ->envname("MOSS_MIN_BODY_RATE")
      ->capture_default_str();
  cmd->add_option("--small-object-cache", options->small_object_cache,
                  "Memory for the bytes of recently read objects of up to 64 KiB, served "
                  "again without a disk read (e.g. 64MiB; 0: none)")
      ->envname("MOSS_SMALL_OBJECT_CACHE")
      ->capture_default_str();
  cmd->add_option("--min-body-rate-window", options->min_body_rate_window_seconds,
                  "Seconds of waiting a request body may fall behind --min-body-rate")
      ->envname("MOSS_MIN_BODY_RATE_WINDOW")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--credentials-reload", options->credentials_reload_seconds,
                  "Seconds between checks of the credentials file for changes (0: never)")
      ->capture_default_str();
  cmd->add_option("--multipart-expiry", options->multipart_expiry,
                  "Remove multipart uploads with no new part for this long (e.g. 7d, 12h)")
      ->envname("MOSS_MULTIPART_EXPIRY")
      ->capture_default_str();
  cmd->add_option("--multipart-sweep-interval", options->multipart_sweep_interval,
                  "How often to look for expired multipart uploads (e.g. 1h, 10m)")
      ->capture_default_str();
  cmd->add_option("--lifecycle-interval", options->lifecycle_interval,
                  "How often to apply the buckets' lifecycle rules (e.g. 1h, 10m)")
      ->envname("MOSS_LIFECYCLE_INTERVAL")
      ->capture_default_str();
  cmd->add_option("--lifecycle-clock-offset", options->lifecycle_clock_offset,
                  "Run the lifecycle worker's clock this far ahead of the wall clock (testing, "
                  "rehearsing a policy; e.g. 30d)")
      ->envname("MOSS_LIFECYCLE_CLOCK_OFFSET")
      ->capture_default_str();
  cmd->add_option("--snapshot-retention", options->snapshot_retention,
                  "Keep the files of a snapshot no tag names any more readable by its identity "
                  "this long, then release them at the next lifecycle run (e.g. 24h, 7d, 0s)")
      ->envname("MOSS_SNAPSHOT_RETENTION")
      ->capture_default_str();
  cmd->add_option("--audit-log", options->audit_log,
                  "Directory of the audit trail of model reads and tag changes (default "
                  "<data>/audit; off: keep none)")
      ->envname("MOSS_AUDIT_LOG");
  cmd->add_option("--audit-retention", options->audit_retention,
                  "Remove rotated audit files older than this (e.g. 30d, 90d; 0s: never)")
      ->envname("MOSS_AUDIT_RETENTION")
      ->capture_default_str();
  cmd->add_option("--audit-max-file-size", options->audit_max_file_size,
                  "Rotate the audit file once it reaches this size (e.g. 64MiB)")
      ->envname("MOSS_AUDIT_MAX_FILE_SIZE")
      ->capture_default_str();
  cmd->add_option("--tls-cert", options->tls_cert,
                  "PEM certificate chain: serve HTTPS only (TLS 1.2 and 1.3), with --tls-key")
      ->envname("MOSS_TLS_CERT")
      ->group("TLS");
  cmd->add_option("--tls-key", options->tls_key, "PEM private key of --tls-cert")
      ->envname("MOSS_TLS_KEY")
      ->group("TLS");
  cmd->add_option("--tls-client-ca", options->tls_client_ca,
                  "PEM CA bundle: require client certificates signed by it")
      ->envname("MOSS_TLS_CLIENT_CA")
      ->group("TLS");
  cmd->add_option("--tls-reload", options->tls_reload_seconds,
                  "Seconds between checks of the TLS files for a new certificate (0: only on "
                  "SIGHUP)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str()
      ->group("TLS");
  cmd->add_option("--log-format", options->log_format, "auto, text or json")
      ->envname("MOSS_LOG_FORMAT")
      ->check(CLI::IsMember({"auto", "text", "json"}))
      ->capture_default_str();
  cmd->add_option("--log-level", options->log_level, "trace, debug, info, warn, error")
      ->envname("MOSS_LOG_LEVEL")
      ->capture_default_str();
  cmd->add_option("--port-file", options->port_file,
                  "Write the port actually bound to this file once listening");
  auto* hf_upstream =
      cmd->add_option("--hf-upstream", options->hf_upstream,
                      "Mirror this Hugging Face Hub (docs/hub-mirror.md); without a URL " +
                          std::string(kPublicHub))
          ->expected(0, 1);
  cmd->add_option("--hf-token-file", options->hf_token_file,
                  "File holding the token for --hf-upstream (else HF_TOKEN)");
  cmd->add_option("--hf-ca-file", options->hf_ca_file,
                  "PEM CA bundle that verifies an https --hf-upstream (else the system's)");
  cmd->add_flag("--hf-offline", options->hf_offline,
                "Serve only what is mirrored; never ask the Hub upstream");
  cmd->add_option("--hf-revision-ttl", options->hf_revision_ttl,
                  "How long the commit a branch name (main) names upstream is kept before "
                  "asking again (0s: every time; commit ids are kept)")
      ->capture_default_str();
  cmd->callback([options, hf_upstream] {
    options->hf_upstream_given = hf_upstream->count() > 0;
    int code = serve_then_report(*options);
    if (code != 0) throw CLI::RuntimeError(code);
  });
}

}  // namespace moss::cli
