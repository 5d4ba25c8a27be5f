// `moss tag set|get|ls|history|rollback|rm`: the registry API's tag
// operations, one subcommand each.
#include <memory>
#include <optional>

#include "moss/cli/client_setup.h"
#include "moss/cli/commands.h"
#include "moss/cli/model_ref.h"
#include "moss/cli/registry_output.h"
#include "moss/client/registry_client.h"

namespace moss::cli {
namespace {

struct TagOptions {
  ClientOptions client;
  std::string ref;                   // MODEL:TAG, or MODEL for ls
  std::vector<std::string> targets;  // set
  std::string if_match;              // set
  int64_t to = 0;                    // rollback --to
  bool json = false;
  std::string field;  // get --field
};

// The pieces every tag subcommand starts with.
struct TagCall {
  ResolvedClient client;
  ModelRef ref;
};

TagCall prepare(const std::string& command, const TagOptions& o, bool needs_tag) {
  auto resolved = resolve_client_or_exit(o.client, command);
  std::string why;
  std::optional<ModelRef> ref;
  if (needs_tag) {
    ref = parse_model_ref(o.ref, "", &why);
  } else {
    ref = parse_model_ref(o.ref, "-", &why);
    if (ref && ref->tag != "-") {
      ref.reset();
      why = "'" + o.ref + "': give the model alone, without a tag";
    }
  }
  if (!ref) fail_command(command, why);
  return {std::move(resolved), std::move(*ref)};
}

void print_document(const nlohmann::json& doc, bool json,
                    std::string (*format)(const nlohmann::json&)) {
  std::fputs(json ? (doc.dump(2) + "\n").c_str() : format(doc).c_str(), stdout);
}

[[noreturn]] void fail_call(const std::string& command, const TagCall& call,
                            const client::ClientError& error) {
  if (error.code == "NoSuchTag") {
    fail_command(command, call.ref.model + ":" + call.ref.tag + " does not exist (" +
                              error.describe() + ")");
  }
  fail_command(command, failure_message(error, call.client));
}

// A tag subcommand's registry call and the document it returned.
struct TagReply {
  TagCall call;
  nlohmann::json doc;
};

// Resolves the client and reference, makes the registry call `request(registry, ref)` and
// returns its document; a failed call ends the command.
template <typename Request>
TagReply call_registry(const std::string& command, const TagOptions& o, bool needs_tag,
                       Request request) {
  TagCall call = prepare(command, o, needs_tag);
  client::RegistryClient registry(call.client.config, call.client.bucket);
  auto doc = request(registry, call.ref);
  if (!doc) fail_call(command, call, doc.error());
  return {std::move(call), std::move(*doc)};
}

void tag_set(const TagOptions& o) {
  const std::string command = "tag set";
  auto reply =
      call_registry(command, o, true, [&](client::RegistryClient& registry, const ModelRef& ref) {
        std::string why;
        auto targets = parse_targets(o.targets, &why);
        if (!targets) fail_command(command, why);
        return registry.set_tag(ref.model, ref.tag, *targets, o.if_match);
      });
  print_document(reply.doc, o.json, format_tag);
}

void tag_get(const TagOptions& o) {
  const std::string command = "tag get";
  auto reply =
      call_registry(command, o, true, [](client::RegistryClient& registry, const ModelRef& ref) {
        return registry.get_tag(ref.model, ref.tag);
      });
  if (!o.field.empty()) {
    auto value = tag_field(reply.doc, o.field);
    if (!value) {
      const ModelRef& ref = reply.call.ref;
      fail_command(command, ref.model + ":" + ref.tag + " has no " + o.field +
                                " (it resolves to nothing: " + text_of(reply.doc, "error") + ")");
    }
    std::printf("%s\n", value->c_str());
    return;
  }
  print_document(reply.doc, o.json, format_tag);
}

void tag_ls(const TagOptions& o) {
  auto reply =
      call_registry("tag ls", o, false, [](client::RegistryClient& registry, const ModelRef& ref) {
        return registry.get_model(ref.model);
      });
  print_document(reply.doc, o.json, format_tag_table);
}

void tag_history(const TagOptions& o) {
  auto reply = call_registry("tag history", o, true,
                             [](client::RegistryClient& registry, const ModelRef& ref) {
                               return registry.tag_history(ref.model, ref.tag);
                             });
  print_document(reply.doc, o.json, format_history);
}

void tag_rollback(const TagOptions& o, bool to_given) {
  auto reply = call_registry(
      "tag rollback", o, true, [&](client::RegistryClient& registry, const ModelRef& ref) {
        return registry.rollback_tag(ref.model, ref.tag,
                                     to_given ? std::optional<int64_t>(o.to) : std::nullopt);
      });
  print_document(reply.doc, o.json, format_tag);
}

void tag_rm(const TagOptions& o) {
  const std::string command = "tag rm";
  TagCall call = prepare(command, o, true);
  client::RegistryClient registry(call.client.config, call.client.bucket);
  auto done = registry.delete_tag(call.ref.model, call.ref.tag);
  if (!done) fail_call(command, call, done.error());
  std::printf("deleted %s:%s\n", call.ref.model.c_str(), call.ref.tag.c_str());
}

CLI::App* add_tag_subcommand(CLI::App& tag, const char* name, const char* description,
                             TagOptions& o, const char* ref_help) {
  auto* cmd = tag.add_subcommand(name, description);
  cmd->add_option(name == std::string("ls") ? "MODEL" : "MODEL:TAG", o.ref, ref_help)->required();
  add_client_options(*cmd, o.client);
  return cmd;
}

}  // namespace

void register_tag_commands(CLI::App& app) {
  auto* tag = app.add_subcommand("tag", "Set, show, list, roll back and delete model tags");
  tag->require_subcommand(1);
  const char* tag_ref = "The tag, as MODEL:TAG";

  {
    auto o = std::make_shared<TagOptions>();
    auto* cmd = add_tag_subcommand(*tag, "set",
                                   "Point a tag at a file, another tag, or several "
                                   "with weights",
                                   *o, tag_ref);
    cmd->add_option("TARGET", o->targets,
                    "A tag or a file path relative to the model (2024-03-20/x.gguf); for a "
                    "weighted tag TARGET=WEIGHT, several times (v2=10 v1=90)")
        ->required();
    cmd->add_option("--if-match", o->if_match,
                    "Move the tag only if its ETag is still this (from `moss tag get`)");
    cmd->add_flag("--json", o->json, "Print the tag document as JSON");
    cmd->callback([o] { tag_set(*o); });
  }
  {
    auto o = std::make_shared<TagOptions>();
    auto* cmd = add_tag_subcommand(*tag, "get", "Show a tag and what it resolves to", *o, tag_ref);
    cmd->add_flag("--json", o->json, "Print the tag document as JSON");
    cmd->add_option("--field", o->field,
                    "Print one value alone (for scripts): sha256, key, size or version_id of "
                    "the file it resolves to, the tag's etag (for --if-match), or its target")
        ->check(CLI::IsMember({"sha256", "key", "size", "version_id", "etag", "target"}));
    cmd->callback([o] { tag_get(*o); });
  }
  {
    auto o = std::make_shared<TagOptions>();
    auto* cmd = add_tag_subcommand(*tag, "ls", "List a model's tags", *o, "The model");
    cmd->add_flag("--json", o->json, "Print the model document as JSON");
    cmd->callback([o] { tag_ls(*o); });
  }
  {
    auto o = std::make_shared<TagOptions>();
    auto* cmd =
        add_tag_subcommand(*tag, "history", "Show a tag's changes, newest first", *o, tag_ref);
    cmd->add_flag("--json", o->json, "Print the history document as JSON");
    cmd->callback([o] { tag_history(*o); });
  }
  {
    auto o = std::make_shared<TagOptions>();
    auto* cmd = add_tag_subcommand(
        *tag, "rollback", "Move a tag back to its previous target (or history entry --to N)", *o,
        tag_ref);
    auto* to = cmd->add_option("--to", o->to, "The history entry (SEQ in `moss tag history`)");
    cmd->add_flag("--json", o->json, "Print the tag document as JSON");
    cmd->callback([o, to] { tag_rollback(*o, to->count() > 0); });
  }
  {
    auto o = std::make_shared<TagOptions>();
    auto* cmd = add_tag_subcommand(*tag, "rm", "Delete a tag", *o, tag_ref);
    cmd->callback([o] { tag_rm(*o); });
  }
}

}  // namespace moss::cli
