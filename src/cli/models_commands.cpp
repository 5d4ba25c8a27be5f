// `moss models ls|show`: the models of a bucket, with their tags and files.
#include <memory>

#include "moss/cli/client_setup.h"
#include "moss/cli/commands.h"
#include "moss/cli/registry_output.h"
#include "moss/client/registry_client.h"
#include "moss/client/s3_client.h"
#include "moss/models/snapshot.h"

namespace moss::cli {
namespace {

struct ModelsOptions {
  ClientOptions client;
  std::string model;
  bool json = false;
};

void models_ls(const ModelsOptions& o) {
  const std::string command = "models ls";
  auto resolved = resolve_client_or_exit(o.client, command);
  client::RegistryClient registry(resolved.config, resolved.bucket);
  auto doc = registry.list_models();
  if (!doc) fail_command(command, failure_message(doc.error(), resolved));
  std::fputs(o.json ? (doc->dump(2) + "\n").c_str() : format_models(*doc).c_str(), stdout);
}

// A snapshot's config.json (small: a model's configuration) names its
// architecture; it is fetched through the tag and kept in the snapshot's
// document as "config" for format_model. Best effort: shown when readable.
void add_snapshot_configs(const ResolvedClient& resolved, nlohmann::json& doc) {
  constexpr size_t kMaxConfigBytes = 1 << 20;
  client::S3Client s3(resolved.config);
  for (auto& tag : doc["tags"]) {
    auto& target = tag["resolved"];
    if (!target.is_object() || !target.contains("snapshot")) continue;
    auto& snapshot = target["snapshot"];
    for (const auto& file : snapshot.value("files", nlohmann::json::array())) {
      if (file.value("path", "") != "config.json" ||
          file.value("size", uint64_t{0}) > kMaxConfigBytes) {
        continue;
      }
      const std::string key =
          models::tag_folder(doc.value("name", ""), tag.value("tag", "")) + "config.json";
      auto response = s3.get_object(resolved.bucket, key, {}, {});
      if (response && response->status == 200) {
        auto config = nlohmann::json::parse(response->body, nullptr, false);
        if (config.is_object()) snapshot["config"] = std::move(config);
      }
    }
  }
}

void models_show(const ModelsOptions& o) {
  const std::string command = "models show";
  auto resolved = resolve_client_or_exit(o.client, command);
  client::RegistryClient registry(resolved.config, resolved.bucket);
  auto doc = registry.get_model(o.model);
  if (!doc) {
    if (doc.error().status == 404 && doc.error().code != "NoSuchBucket") {
      fail_command(command, "model " + o.model + " not found (" + doc.error().describe() + ")");
    }
    fail_command(command, failure_message(doc.error(), resolved));
  }
  if (!o.json) add_snapshot_configs(resolved, *doc);
  std::fputs(o.json ? (doc->dump(2) + "\n").c_str() : format_model(*doc).c_str(), stdout);
}

}  // namespace

void register_models_commands(CLI::App& app) {
  auto* models = app.add_subcommand("models", "List models and show one with its tags and files");
  models->require_subcommand(1);
  {
    auto o = std::make_shared<ModelsOptions>();
    auto* cmd = models->add_subcommand("ls", "List the models of the bucket");
    cmd->add_flag("--json", o->json, "Print the models document as JSON");
    add_client_options(*cmd, o->client);
    cmd->callback([o] { models_ls(*o); });
  }
  {
    auto o = std::make_shared<ModelsOptions>();
    auto* cmd = models->add_subcommand("show", "Show a model: its tags, files and metadata");
    cmd->add_option("MODEL", o->model, "The model")->required();
    cmd->add_flag("--json", o->json, "Print the model document as JSON");
    add_client_options(*cmd, o->client);
    cmd->callback([o] { models_show(*o); });
  }
}

}  // namespace moss::cli
