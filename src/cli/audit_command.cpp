// `moss audit [MODEL[:TAG]]`: who read which model bytes, and who moved which
// tag (docs/audit.md), from GET /_moss/v1/audit, as a table or the JSON.
#include <cstdio>
#include <memory>

#include "moss/audit/audit_query.h"
#include "moss/cli/client_setup.h"
#include "moss/cli/commands.h"
#include "moss/cli/model_ref.h"
#include "moss/client/registry_client.h"
#include "moss/util/duration.h"

namespace moss::cli {
namespace {

struct AuditOptions {
  ClientOptions client;
  std::string ref;
  std::string since;
  std::string until;
  std::string key;
  std::string kind;
  size_t limit = 0;
  bool oldest_first = false;
  bool json = false;
};

void audit(const AuditOptions& o) {
  const std::string command = "audit";
  auto resolved = resolve_client_or_exit(o.client, command);
  client::QueryList filters;
  if (!o.ref.empty()) {
    // MODEL alone asks for every tag of it; MODEL:TAG for reads through that tag.
    std::string why;
    const bool tagged = o.ref.rfind(':') != std::string::npos &&
                        o.ref.substr(o.ref.rfind(':')).find('/') == std::string::npos;
    auto ref = parse_model_ref(o.ref, tagged ? "" : "-", &why);
    if (!ref) fail_command(command, why);
    filters.emplace_back("bucket", resolved.bucket);
    filters.emplace_back("model", ref->model);
    if (tagged) filters.emplace_back("tag", ref->tag);
  }
  for (const auto& [name, value] : {std::pair{"since", &o.since}, std::pair{"until", &o.until}}) {
    if (value->empty()) continue;
    // A duration is checked here; an RFC 3339 time by the server.
    if (!parse_duration(*value) && value->find('T') == std::string::npos) {
      fail_command(command, std::string("--") + name + " takes a duration (24h, 7d, 90m) or a " +
                                "time (2026-12-05T19:00:00Z), got '" + *value + "'");
    }
    filters.emplace_back(name, *value);
  }
  if (!o.key.empty()) filters.emplace_back("key", o.key);
  if (!o.kind.empty()) filters.emplace_back("kind", o.kind);
  if (o.limit) filters.emplace_back("limit", std::to_string(o.limit));
  if (o.oldest_first) filters.emplace_back("order", "oldest");

  client::RegistryClient registry(resolved.config, resolved.bucket);
  auto doc = registry.audit(std::move(filters));
  if (!doc) fail_command(command, failure_message(doc.error(), resolved));
  if (o.json) {
    std::fputs((doc->dump(2) + "\n").c_str(), stdout);
    return;
  }
  AuditQueryResult result;
  if (doc->contains("events") && (*doc)["events"].is_array()) {
    for (const auto& e : (*doc)["events"]) {
      if (auto event = parse_audit_event(e.dump())) result.events.push_back(std::move(*event));
    }
  }
  result.truncated = doc->value("truncated", false);
  std::fputs(render_audit_table(result).c_str(), stdout);
  if (result.truncated) {
    std::fprintf(stderr, "moss audit: more events matched; narrow with --since or raise --limit\n");
  }
}

}  // namespace

void register_audit_command(CLI::App& app) {
  auto o = std::make_shared<AuditOptions>();
  auto* cmd = app.add_subcommand(
      "audit", "Show the audit trail: who pulled which model bytes, who moved which tag");
  cmd->add_option("MODEL[:TAG]", o->ref, "Only this model (and reads through this tag)");
  cmd->add_option("--since", o->since, "Events since this long ago (24h, 7d) or this time");
  cmd->add_option("--until", o->until, "Events before this long ago or this time");
  cmd->add_option("--key", o->key, "Only requests signed by this key (name or access key id)");
  cmd->add_option("--kind", o->kind, "Only events of this kind")
      ->check(CLI::IsMember({"read", "tag-change", "mirror", "hub-fetch"}));
  cmd->add_option("--limit", o->limit, "At most this many events (server default 1000)")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--oldest-first", o->oldest_first, "Oldest events first (default newest first)");
  cmd->add_flag("--json", o->json, "Print the server's JSON document");
  add_client_options(*cmd, o->client);
  cmd->callback([o] { audit(*o); });
}

}  // namespace moss::cli
