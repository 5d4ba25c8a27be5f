// `moss push MODEL FILE [--tag T]...`: stores FILE as MODEL/<date>/<name>
// (multipart when large, with SHA-256 checksums the server verifies), then
// points each tag at it and checks the server's SHA-256 of what the tag now
// serves against the file's. A directory is pushed whole (directory_push.h).
#include <ctime>
#include <filesystem>
#include <memory>

#include "directory_push.h"
#include "moss/cli/byte_units.h"
#include "moss/cli/client_setup.h"
#include "moss/cli/commands.h"
#include "moss/cli/model_ref.h"
#include "moss/cli/progress_bar.h"
#include "moss/cli/registry_output.h"
#include "moss/client/file_upload.h"
#include "moss/client/registry_client.h"
#include "moss/client/s3_client.h"

namespace moss::cli {
namespace {

struct PushOptions {
  ClientOptions client;
  std::string model;
  std::string file;
  std::vector<std::string> tags;
  std::string date;
  std::string part_size = "64MiB";
  std::string multipart_threshold = "64MiB";
  int parallel = 4;
  bool no_progress = false;
};

std::string basename_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

void push(const PushOptions& o) {
  const std::string command = "push";
  auto resolved = resolve_client_or_exit(o.client, command);
  std::string why;
  if (!parse_model_ref(o.model, "-", &why) || o.model.find(':') != std::string::npos) {
    fail_command(command, why.empty() ? "MODEL takes no tag; use --tag" : why);
  }
  for (const auto& tag : o.tags) {
    if (tag.empty() || tag.find('/') != std::string::npos) {
      fail_command(command, "--tag '" + tag + "': a tag name is not empty and holds no '/'");
    }
  }
  const std::string date = o.date.empty() ? utc_date(std::time(nullptr)) : o.date;
  if (!is_valid_date(date)) fail_command(command, "--date takes YYYY-MM-DD, got '" + date + "'");
  auto part_size = parse_size(o.part_size);
  auto threshold = parse_size(o.multipart_threshold);
  if (!part_size || !threshold) {
    fail_command(command, "--part-size and --multipart-threshold take sizes such as 64MiB");
  }
  client::UploadOptions upload_options;
  upload_options.part_size = *part_size;
  upload_options.multipart_threshold = *threshold;
  upload_options.parallel = std::max(1, o.parallel);
  if (std::filesystem::is_directory(o.file)) {
    push_directory(resolved,
                   DirectoryPush{o.model, o.file, date, o.tags, upload_options,
                                 std::max(1, o.parallel), !o.no_progress},
                   command);
    return;
  }
  if (basename_of(o.file).empty()) fail_command(command, "FILE must name a file");

  const std::string target = dated_path(date, o.file);
  const std::string key = o.model + "/" + target;

  client::TransferProgress progress;
  auto upload = [&] {
    ProgressBar bar(basename_of(o.file), progress, !o.no_progress);
    return client::upload_file(resolved.config, resolved.bucket, key, o.file, upload_options,
                               &progress);
  };
  auto uploaded = upload();
  if (!uploaded && uploaded.error().code == "NoSuchBucket") {
    client::S3Client s3(resolved.config);
    if (auto created = s3.create_bucket(resolved.bucket); !created) {
      fail_command(command, failure_message(created.error(), resolved));
    }
    std::fprintf(stderr, "moss push: created bucket %s\n", resolved.bucket.c_str());
    progress.done = 0;
    uploaded = upload();
  }
  if (!uploaded) fail_command(command, failure_message(uploaded.error(), resolved));
  std::printf("pushed %s/%s (%s, sha256 %s%s)\n", resolved.bucket.c_str(), key.c_str(),
              format_bytes(uploaded->size).c_str(), uploaded->sha256_hex.c_str(),
              uploaded->parts ? (", " + std::to_string(uploaded->parts) + " parts").c_str() : "");
  std::fflush(stdout);

  client::RegistryClient registry(resolved.config, resolved.bucket);
  for (const auto& tag : o.tags) {
    auto doc = registry.set_tag(o.model, tag, {{target, 1}});
    if (!doc) {
      fail_command(command, "tag " + tag + ": " + failure_message(doc.error(), resolved));
    }
    const std::string served_sha = text_of((*doc)["resolved"], "sha256");
    if (served_sha != uploaded->sha256_hex) {
      fail_command(command, "tag " + tag + " now serves sha256 " +
                                (served_sha.empty() ? "(unknown)" : served_sha) +
                                " but the file has " + uploaded->sha256_hex);
    }
    std::printf("tagged %s:%s -> %s\n", o.model.c_str(), tag.c_str(), target.c_str());
    std::fflush(stdout);
  }
}

}  // namespace

void register_push_command(CLI::App& app) {
  auto o = std::make_shared<PushOptions>();
  auto* cmd = app.add_subcommand(
      "push",
      "Upload a model file as MODEL/<YYYY-MM-DD>/<file name>, or a model directory as "
      "MODEL/<YYYY-MM-DD>/<its files>, and tag it");
  cmd->add_option("MODEL", o->model, "Model name, e.g. llama-3-8b or meta-llama/llama-3-8b")
      ->required();
  cmd->add_option("FILE", o->file, "The file or directory to upload")
      ->required()
      ->check(CLI::ExistingPath);
  cmd->add_option("--tag,-t", o->tags,
                  "Point this tag at the file (or directory) once stored (repeatable)");
  cmd->add_option("--date", o->date, "Date in the key, YYYY-MM-DD (default: today, UTC)");
  cmd->add_option("--part-size", o->part_size, "Multipart part size")->capture_default_str();
  cmd->add_option("--multipart-threshold", o->multipart_threshold,
                  "Files larger than this are uploaded in parts")
      ->capture_default_str();
  cmd->add_option("--parallel", o->parallel,
                  "Parts uploaded at once (and, for a directory, files at once)")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  cmd->add_flag("--no-progress", o->no_progress, "Never show a progress bar");
  add_client_options(*cmd, o->client);
  cmd->callback([o] { push(*o); });
}

}  // namespace moss::cli
