#include "moss/models/registry_documents.h"

#include "moss/util/time_format.h"

namespace moss::models {
namespace {

using nlohmann::json;

std::string quoted(const std::string& etag) { return "\"" + etag + "\""; }

json nullable(const std::string& s) { return s.empty() ? json(nullptr) : json(s); }

// The stored metadata JSON, or null for files that are not models.
json metadata_of(const store::ObjectVersion& v) {
  if (v.model_metadata.empty()) return nullptr;
  json parsed = json::parse(v.model_metadata, nullptr, false);
  return parsed.is_discarded() ? json(nullptr) : parsed;
}

json snapshot_summary(const store::SnapshotRecord& s) {
  return {{"id", s.id},
          {"short_id", snapshot_short_id(s.id)},
          {"file_count", s.file_count},
          {"size", s.total_size}};
}

// `with_metadata`: the model metadata too (once per document is enough).
json resolved_document(const ResolvedTag& r, bool with_metadata) {
  if (r.snapshot) {
    json o = {{"snapshot", snapshot_summary(*r.snapshot)}, {"chain", r.chain}};
    if (!r.chosen_target.empty()) o["chosen_target"] = r.chosen_target;
    return o;
  }
  json o = {{"key", r.file.key},
            {"version_id", r.file.version_id},
            {"sha256", nullable(r.file.content_sha256)},
            {"size", r.file.size},
            {"etag", quoted(r.file.etag)},
            {"last_modified", format_iso8601(r.file.last_modified_ns)},
            {"chain", r.chain}};
  if (with_metadata) o["metadata"] = metadata_of(r.file);
  if (!r.chosen_target.empty()) o["chosen_target"] = r.chosen_target;
  return o;
}

json target_document(const TagTarget& t) {
  json o = {{"target", t.target}, {"weight", t.weight}, {"kind", kind_name(t.kind)}};
  if (t.kind == TargetKind::kFile) {
    o["version_id"] = t.version_id;
    o["sha256"] = nullable(t.sha256);
  }
  if (t.kind == TargetKind::kSnapshot) o["snapshot"] = t.snapshot;
  return o;
}

// A history entry's recorded targets; null when there were none (creation, deletion).
json targets_document(const std::string& text) {
  if (text.empty()) return nullptr;
  auto targets = targets_from_json(text);
  if (!targets) return nullptr;
  json arr = json::array();
  for (const auto& t : *targets) arr.push_back(target_document(t));
  return arr;
}

json file_document(const store::ObjectVersion& v, std::string_view model) {
  std::string_view path = v.key;
  if (path.starts_with(model) && path.size() > model.size()) path.remove_prefix(model.size() + 1);
  return {{"key", v.key},
          {"path", path},
          {"version_id", v.version_id},
          {"size", v.size},
          {"etag", quoted(v.etag)},
          {"sha256", nullable(v.content_sha256)},
          {"last_modified", format_iso8601(v.last_modified_ns)},
          {"metadata", metadata_of(v)}};
}

}  // namespace

json tag_document(const TagView& view) {
  const auto& r = view.record;
  json targets = json::array();
  for (size_t i = 0; i < view.targets.size(); ++i) {
    json o = target_document(view.targets[i]);
    const auto& each = i < view.target_resolutions.size() ? view.target_resolutions[i]
                                                          : std::optional<ResolvedTag>();
    o["resolved"] = each ? resolved_document(*each, false) : json(nullptr);
    targets.push_back(std::move(o));
  }
  json doc = {{"bucket", view.bucket},
              {"model", r.model},
              {"tag", r.tag},
              {"key", r.key},
              {"etag", quoted(r.etag)},
              {"targets", std::move(targets)},
              {"resolved", view.resolved ? resolved_document(*view.resolved, true) : json(nullptr)},
              {"updated", format_iso8601(r.updated_ns)},
              {"updated_by", r.updated_by}};
  if (!view.resolved) doc["error"] = view.unresolved_reason;
  if (view.resolved && view.resolved->snapshot) {
    json files = json::array();
    for (const auto& f : view.snapshot_files) {
      json o = file_document(f.version, r.model);
      o["path"] = f.path;
      files.push_back(std::move(o));
    }
    doc["resolved"]["snapshot"]["files"] = std::move(files);
  }
  return doc;
}

json history_document(std::string_view bucket, std::string_view model, std::string_view tag,
                      const std::vector<store::TagHistoryEntry>& entries) {
  json history = json::array();
  for (const auto& e : entries) {
    json resolved = json::parse(e.resolved.empty() ? "null" : e.resolved, nullptr, false);
    history.push_back({{"seq", e.seq},
                       {"time", format_iso8601(e.time_ns)},
                       {"actor", e.actor},
                       {"action", e.action},
                       {"old_targets", targets_document(e.old_targets)},
                       {"new_targets", targets_document(e.new_targets)},
                       {"old_etag", e.old_etag.empty() ? json(nullptr) : json(quoted(e.old_etag))},
                       {"new_etag", e.new_etag.empty() ? json(nullptr) : json(quoted(e.new_etag))},
                       {"resolved", resolved.is_discarded() ? json(nullptr) : resolved}});
  }
  return {{"bucket", bucket}, {"model", model}, {"tag", tag}, {"history", std::move(history)}};
}

json model_document(const ModelView& view) {
  json tags = json::array();
  for (const auto& t : view.tags) tags.push_back(tag_document(t));
  json files = json::array();
  for (const auto& f : view.files) files.push_back(file_document(f, view.name));
  json doc = {{"bucket", view.bucket},
              {"name", view.name},
              {"tags", std::move(tags)},
              {"files", std::move(files)}};
  if (view.files_truncated) doc["files_truncated"] = true;
  return doc;
}

json models_document(std::string_view bucket, const std::vector<ModelView>& models) {
  json arr = json::array();
  for (const auto& m : models) arr.push_back(model_document(m));
  return {{"bucket", bucket}, {"models", std::move(arr)}};
}

}  // namespace moss::models
