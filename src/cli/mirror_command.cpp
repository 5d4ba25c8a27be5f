// `moss mirror hf://REPO[@REVISION] [--include GLOB ...]`: has a moss server
// started with --hf-upstream fetch a Hub revision's files before clients ask
// for them (docs/hub-mirror.md), then tag its snapshot. Each file is fetched
// by the server, once; a re-run skips the files already stored, so an
// interrupted mirror resumes where it stopped.
#include <fnmatch.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>

#include "cli/parallel_transfers.h"
#include "moss/cli/byte_units.h"
#include "moss/cli/client_setup.h"
#include "moss/cli/commands.h"
#include "moss/cli/progress_bar.h"
#include "moss/client/registry_client.h"
#include "moss/util/mutex.h"

namespace moss::cli {
namespace {

struct MirrorOptions {
  std::string ref;  // hf://REPO[@REVISION]
  std::vector<std::string> include;
  int files_at_once = 4;
  bool no_progress = false;
  ClientOptions client;
};

struct HubRef {
  std::string repo;
  std::string revision = "main";
};

std::optional<HubRef> parse_hub_ref(std::string_view text) {
  constexpr std::string_view kScheme = "hf://";
  if (text.substr(0, kScheme.size()) != kScheme) return std::nullopt;
  text.remove_prefix(kScheme.size());
  HubRef ref;
  const size_t at = text.find('@');
  ref.repo = std::string(text.substr(0, at));
  if (at != std::string_view::npos) ref.revision = std::string(text.substr(at + 1));
  if (ref.repo.empty() || ref.revision.empty() || ref.repo.front() == '/' ||
      ref.repo.back() == '/') {
    return std::nullopt;
  }
  return ref;
}

// Whether `path` is one of the files asked for: any --include glob matches
// it (as the Hub's allow_patterns: '*' crosses '/'), or none was given.
bool included(const std::string& path, const std::vector<std::string>& globs) {
  if (globs.empty()) return true;
  for (const auto& g : globs) {
    if (::fnmatch(g.c_str(), path.c_str(), 0) == 0) return true;
  }
  return false;
}

void mirror(const MirrorOptions& o) {
  const std::string command = "mirror";
  auto ref = parse_hub_ref(o.ref);
  if (!ref) fail_command(command, "expected hf://ORG/NAME[@REVISION], got '" + o.ref + "'");
  const ResolvedClient resolved = resolve_client_or_exit(o.client, command);
  client::RegistryClient registry(resolved.config, resolved.bucket);
  auto doc = registry.hub_revision(ref->repo, ref->revision);
  if (!doc) fail_command(command, failure_message(doc.error(), resolved));
  const std::string commit = doc->value("commit", "");

  struct Wanted {
    std::string path;
    uint64_t size = 0;
  };
  std::vector<Wanted> wanted;
  size_t skipped = 0;
  client::TransferProgress total;
  for (const auto& f : doc->value("files", nlohmann::json::array())) {
    const std::string path = f.value("path", "");
    if (!included(path, o.include)) continue;
    if (f.value("stored", false)) {
      ++skipped;
      continue;
    }
    wanted.push_back({path, f.value("size", uint64_t{0})});
    total.total += wanted.back().size;
  }
  if (wanted.empty() && skipped == 0) {
    fail_command(command, "no file of " + ref->repo + "@" + ref->revision + " matches --include");
  }
  std::printf("%s@%s: commit %s, %zu files to fetch (%s), %zu already mirrored\n",
              ref->repo.c_str(), ref->revision.c_str(), commit.c_str(), wanted.size(),
              format_bytes(total.total).c_str(), skipped);
  std::fflush(stdout);

  Mutex error_mutex;
  std::string first_error;
  bool ok = true;
  {
    ProgressBar bar(ref->repo + " (" + std::to_string(wanted.size()) + " files)", total,
                    !o.no_progress);
    ok = run_parallel_transfers(
        wanted.size(), o.files_at_once, total, [&](size_t i, client::TransferProgress& mine) {
          // One registry connection per job: a RegistryClient is not thread-safe.
          client::RegistryClient own(resolved.config, resolved.bucket);
          // The revision's commit, so every file comes from the same one.
          auto stored = own.hub_fetch_file(ref->repo, commit.empty() ? ref->revision : commit,
                                           wanted[i].path);
          if (!stored) {
            MutexLock lock(error_mutex);
            if (first_error.empty()) {
              first_error = wanted[i].path + ": " + failure_message(stored.error(), resolved);
            }
            return false;
          }
          mine.add(wanted[i].size);
          bar.print_above("fetched " + wanted[i].path + " (" + format_bytes(wanted[i].size) +
                          ")");
          return true;
        });
    bar.finish();
  }
  if (!ok) fail_command(command, first_error + " (run again to resume)");

  auto tagged = registry.hub_tag(ref->repo, ref->revision);
  if (!tagged) fail_command(command, "tagging: " + failure_message(tagged.error(), resolved));
  std::printf("mirrored %s@%s (commit %s) into %s/%s, snapshot %s\n", ref->repo.c_str(),
              ref->revision.c_str(), commit.c_str(), resolved.bucket.c_str(), ref->repo.c_str(),
              tagged->value("snapshot", "").c_str());
}

}  // namespace

void register_mirror_command(CLI::App& app) {
  auto o = std::make_shared<MirrorOptions>();
  auto* cmd = app.add_subcommand(
      "mirror", "Have the server fetch a Hugging Face Hub revision now (moss serve --hf-upstream)");
  cmd->add_option("REF", o->ref, "hf://ORG/NAME[@REVISION] (default revision main)")->required();
  cmd->add_option("--include", o->include,
                  "Only the files matching this glob ('*.safetensors'); repeatable");
  cmd->add_option("--files-at-once", o->files_at_once, "Files fetched in parallel")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  cmd->add_flag("--no-progress", o->no_progress, "Never show a progress bar");
  add_client_options(*cmd, o->client);
  cmd->callback([o] { mirror(*o); });
}

}  // namespace moss::cli
