// `moss pull MODEL[:TAG] [DEST]`: downloads what the tag resolves to,
// resuming an interrupted download, and puts it in place only once its
// SHA-256 matches the server's (client/file_download.h has the procedure).
#include <algorithm>
#include <cstdint>
#include <memory>

#include "moss/cli/byte_units.h"
#include "moss/cli/client_setup.h"
#include "moss/cli/commands.h"
#include "moss/cli/model_ref.h"
#include "moss/cli/progress_bar.h"
#include "moss/client/file_download.h"
#include "moss/client/registry_client.h"
#include "snapshot_pull.h"

namespace moss::cli {
namespace {

struct PullOptions {
  ClientOptions client;
  std::string ref;
  std::string dest = ".";
  bool plain_key = false;
  bool no_progress = false;
  int connections = client::DownloadTuning{}.connections;
  std::string chunk_size = "64MiB";
  int parallel = 4;
};

// Below this a ranged GET costs more in round trips than it gains.
constexpr uint64_t kMinChunkSize = 64 << 10;

// A directory pull shares the hashing threads' held blocks among its files at
// once, but leaves each at least this many (4 MiB), so that a file's receiver
// does not wait on its hash at every block; more files at once than
// DownloadTuning::kDefaultHeldBlocks / 4 hold more in all.
constexpr size_t kFewestHeldBlocksPerFile = 4;

void pull(const PullOptions& o) {
  const std::string command = "pull";
  auto resolved = resolve_client_or_exit(o.client, command);
  client::DownloadRequest request;
  request.bucket = resolved.bucket;
  request.dest = o.dest;
  auto chunk_size = parse_size(o.chunk_size);
  if (!chunk_size || *chunk_size < kMinChunkSize) {
    fail_command(command, "--chunk-size takes a size of at least 64KiB, such as 64MiB");
  }
  if (o.connections < 1) fail_command(command, "--connections takes a number of at least 1");
  request.tuning.connections = o.connections;
  request.tuning.chunk_size = *chunk_size;
  std::string label = o.ref;
  if (o.plain_key) {
    request.key = o.ref;
  } else {
    std::string why;
    auto ref = parse_model_ref(o.ref, "latest", &why);
    if (!ref) fail_command(command, why);
    request.key = ref->model + "/tags/" + ref->tag;
    label = ref->model + ":" + ref->tag;
    // A tag naming a directory pulls its snapshot (snapshot_pull.h).
    client::RegistryClient registry(resolved.config, resolved.bucket);
    if (auto doc = registry.get_tag(ref->model, ref->tag)) {
      const auto& target = doc->value("resolved", nlohmann::json());
      if (target.is_object() && target.contains("snapshot")) {
        SnapshotPull snapshot{ref->model, ref->tag, o.dest, o.parallel, !o.no_progress,
                              request.tuning};
        // --connections and the hashing threads' memory are budgets of the
        // whole pull: shared by the files at once. A file with fewer held
        // blocks is no slower here (bench/pull_bench.py: 8 shards of 128 MiB,
        // 4 at once, 0.61 s with 16 blocks each or 4; peak 70 and 37 MiB).
        snapshot.tuning.connections = std::max(1, o.connections / o.parallel);
        snapshot.tuning.held_blocks =
            std::max(kFewestHeldBlocksPerFile,
                     client::DownloadTuning::kDefaultHeldBlocks / static_cast<size_t>(o.parallel));
        pull_snapshot(resolved, snapshot, *doc, command);
        return;
      }
    }
  }

  client::S3Client s3(resolved.config);
  client::TransferProgress progress;
  Result<client::DownloadResult, client::ClientError> result = [&] {
    ProgressBar bar(label, progress, !o.no_progress);
    return client::download_file(s3, request, &progress, [&](const std::string& note) {
      bar.print_above("moss pull: " + note);
    });
  }();
  if (!result) {
    const auto& error = result.error();
    if (error.status == 404 &&
        (error.code == "NoSuchKey" || error.code == "NoSuchTag" || error.code.empty())) {
      fail_command(command, label + " not found (" + error.describe() + ")");
    }
    fail_command(command, failure_message(error, resolved));
  }
  if (!result->verified) {
    std::fprintf(stderr,
                 "moss pull: warning: the server reported no SHA-256 for %s; not verified\n",
                 result->resolved_key.c_str());
  }
  std::string what = result->tag_chain.empty() ? label : label + " (" + result->tag_chain + ")";
  if (result->up_to_date) {
    std::printf("%s is up to date at %s (sha256 %s)\n", what.c_str(), result->path.c_str(),
                result->sha256_hex.c_str());
  } else {
    std::printf("pulled %s to %s (%s, sha256 %s%s)\n", what.c_str(), result->path.c_str(),
                format_bytes(result->size).c_str(), result->sha256_hex.c_str(),
                result->verified ? " verified" : "");
  }
}

}  // namespace

void register_pull_command(CLI::App& app) {
  auto o = std::make_shared<PullOptions>();
  auto* cmd = app.add_subcommand(
      "pull",
      "Download the file a tag resolves to (every file, for a directory tag), resumably, "
      "verifying SHA-256");
  cmd->add_option("MODEL[:TAG]", o->ref, "Model and tag (the tag defaults to latest)")->required();
  cmd->add_option("DEST", o->dest,
                  "Directory (the file keeps its name) or file path; DEST.part while downloading")
      ->capture_default_str();
  cmd->add_option("--parallel", o->parallel, "Files downloaded at once (a directory tag)")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  cmd->add_flag("--key", o->plain_key, "The first argument is a plain object key, not MODEL[:TAG]");
  cmd->add_flag("--no-progress", o->no_progress, "Never show a progress bar");
  cmd->add_option("--connections", o->connections,
                  "Ranged GETs in flight at once, each on its own connection")
      ->envname("MOSS_PULL_CONNECTIONS")
      ->capture_default_str();
  cmd->add_option("--chunk-size", o->chunk_size,
                  "Bytes per ranged GET; a file no larger is fetched with one GET")
      ->envname("MOSS_PULL_CHUNK_SIZE")
      ->capture_default_str();
  add_client_options(*cmd, o->client);
  cmd->callback([o] { pull(*o); });
}

}  // namespace moss::cli
