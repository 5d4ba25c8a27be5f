// `moss models ls|show`: the models of a bucket, with their tags and files.
#include <memory>

#include "moss/cli/client_setup.h"
#include "moss/cli/commands.h"
#include "moss/cli/registry_output.h"
#include "moss/client/registry_client.h"

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
