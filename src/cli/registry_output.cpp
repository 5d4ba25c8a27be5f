#include "moss/cli/registry_output.h"

#include <algorithm>
#include <cstdio>
#include <set>

#include "moss/cli/byte_units.h"
#include "moss/util/text_table.h"

namespace moss::cli {

using nlohmann::json;

namespace {

std::string or_dash(std::string text) { return text.empty() ? "-" : text; }

uint64_t number_of(const json& object, const char* name) {
  if (!object.is_object()) return 0;
  auto it = object.find(name);
  return it != object.end() && it->is_number_unsigned() ? it->get<uint64_t>()
         : it != object.end() && it->is_number_integer()
             ? static_cast<uint64_t>(std::max<int64_t>(0, it->get<int64_t>()))
             : 0;
}

const json& field(const json& object, const char* name) {
  static const json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(name);
  return it == object.end() ? kNull : *it;
}

const json& array_field(const json& object, const char* name) {
  static const json kEmpty = json::array();
  const json& value = field(object, name);
  return value.is_array() ? value : kEmpty;
}

std::string chain_of(const json& resolved) {
  std::string text;
  for (const auto& step : array_field(resolved, "chain")) {
    if (!text.empty()) text += " > ";
    text += step.is_string() ? step.get<std::string>() : "?";
  }
  return text;
}

// The path of a resolved key relative to the model ("2024-03-20/x.gguf").
std::string relative_key(const std::string& key, const std::string& model) {
  if (!model.empty() && key.starts_with(model + "/")) return key.substr(model.size() + 1);
  return key;
}

std::string parameters(uint64_t count) {
  char text[32];
  if (count >= 1000000000ull) {
    std::snprintf(text, sizeof text, "%.2fB", static_cast<double>(count) / 1e9);
  } else if (count >= 1000000ull) {
    std::snprintf(text, sizeof text, "%.1fM", static_cast<double>(count) / 1e6);
  } else if (count >= 1000ull) {
    std::snprintf(text, sizeof text, "%.1fK", static_cast<double>(count) / 1e3);
  } else {
    std::snprintf(text, sizeof text, "%llu", static_cast<unsigned long long>(count));
  }
  return text;
}

// What a tag serves, in a line: the file, or the snapshot with its size.
std::string serves_text(const json& resolved, const std::string& model) {
  const json& snapshot = field(resolved, "snapshot");
  if (snapshot.is_object()) {
    return "snapshot " + text_of(snapshot, "short_id").substr(0, 12) + " (" +
           std::to_string(number_of(snapshot, "file_count")) + " files, " +
           format_bytes(number_of(snapshot, "size")) + ")";
  }
  return relative_key(text_of(resolved, "key"), model);
}

// For a tag pinning a file: a note when the file's current version is not
// the one pinned (it was overwritten or deleted after tagging). Only what the
// documents show is compared; `files_complete`: the model's file list is not
// cut short, so a file missing from it is gone.
std::string pin_note(const json& resolved, const json& files, bool files_complete) {
  const std::string key = text_of(resolved, "key");
  const std::string sha = text_of(resolved, "sha256");
  const std::string version = text_of(resolved, "version_id");
  if (key.empty() || (sha.empty() && version.empty())) return "";
  for (const auto& file : files) {
    if (text_of(file, "key") != key) continue;
    const bool same_bytes = sha.empty() || text_of(file, "sha256") == sha;
    const bool same_version = version.empty() || text_of(file, "version_id").empty() ||
                              text_of(file, "version_id") == version;
    if (same_bytes && same_version) return "";
    return "pins an older version (sha256 " + or_dash(sha.substr(0, 12)) +
           "); the file's current one is sha256 " + or_dash(text_of(file, "sha256").substr(0, 12));
  }
  return files_complete ? "pins a version of a file deleted since" : "";
}

bool is_weight_file(const json& file) {
  const json& metadata = field(file, "metadata");
  const std::string format = text_of(metadata, "format");
  return format == "safetensors" || format == "gguf";
}

// The model's current files, to compare what a tag pins with: a pinned file
// whose current version differs was overwritten or deleted after tagging.
struct CurrentFiles {
  const json& files;
  bool complete;  // the list is not cut short, so a file missing from it is gone
};

// How many of a snapshot's files pin another version than the file's current one.
size_t older_pins(const json& snapshot, const CurrentFiles& current) {
  size_t n = 0;
  for (const auto& file : array_field(snapshot, "files")) {
    if (!pin_note(file, current.files, current.complete).empty()) ++n;
  }
  return n;
}

// A snapshot's files and what its weight files say: dtypes, parameters, shards,
// and the architecture config.json names (when the caller fetched it into
// "config"). With `current`, each file pinning an older version than the
// model's current one is marked.
std::string format_snapshot(const json& snapshot, const CurrentFiles* current = nullptr) {
  std::string out;
  uint64_t parameters_total = 0;
  size_t shards = 0;
  std::set<std::string> dtypes;
  std::vector<std::vector<std::string>> rows;
  for (const auto& file : array_field(snapshot, "files")) {
    std::string sha = text_of(file, "sha256");
    rows.push_back({"    " + text_of(file, "path"), format_bytes(number_of(file, "size")),
                    sha.empty() ? "sha256 -" : "sha256 " + sha.substr(0, 12),
                    format_metadata(field(file, "metadata"))});
    if (current) {
      if (auto note = pin_note(file, current->files, current->complete); !note.empty()) {
        rows.back().push_back("! " + note);
      }
    }
    if (!is_weight_file(file)) continue;
    ++shards;
    const json& metadata = field(file, "metadata");
    parameters_total += number_of(metadata, "parameter_count");
    const json& types = field(metadata, "dtypes");
    if (types.is_object()) {
      for (const auto& [name, count] : types.items()) dtypes.insert(name);
    }
  }
  std::vector<std::vector<std::string>> summary;
  summary.push_back({"    snapshot", or_dash(text_of(snapshot, "id"))});
  summary.push_back({"    files", std::to_string(number_of(snapshot, "file_count")) + ", " +
                                      format_bytes(number_of(snapshot, "size"))});
  const json& config = field(snapshot, "config");
  std::string architecture;
  if (const json& names = field(config, "architectures"); names.is_array() && !names.empty() &&
                                                          names[0].is_string()) {
    architecture = names[0].get<std::string>();
  } else {
    architecture = text_of(config, "model_type");
  }
  if (!architecture.empty()) summary.push_back({"    architecture", architecture});
  if (shards) {
    std::string types;
    for (const auto& t : dtypes) types += (types.empty() ? "" : ",") + t;
    summary.push_back({"    weights", std::to_string(shards) + (shards == 1 ? " file, " : " files, ") +
                                          parameters(parameters_total) + " params, dtype " +
                                          or_dash(types)});
  }
  out += format_text_table(summary);
  out += rows.empty() ? "" : format_text_table(rows);
  return out;
}

}  // namespace

std::string text_of(const json& object, const char* name) {
  const json& value = field(object, name);
  return value.is_string() ? value.get<std::string>() : std::string();
}

std::string format_targets(const json& targets) {
  if (!targets.is_array()) return "-";
  std::string text;
  const bool weighted =
      targets.size() > 1 || (targets.size() == 1 && number_of(targets[0], "weight") > 1);
  for (const auto& t : targets) {
    if (!text.empty()) text += " ";
    text += text_of(t, "target");
    if (weighted) text += "=" + std::to_string(number_of(t, "weight"));
  }
  return or_dash(text);
}

std::optional<std::string> tag_field(const json& doc, std::string_view name) {
  if (name == "etag") return text_of(doc, "etag");
  if (name == "target") return format_targets(field(doc, "targets"));
  const json& resolved = field(doc, "resolved");
  if (!resolved.is_object()) return std::nullopt;
  if (name == "size") return std::to_string(number_of(resolved, "size"));
  if (name == "sha256" || name == "key" || name == "version_id") {
    std::string value = text_of(resolved, std::string(name).c_str());
    if (value.empty()) return std::nullopt;
    return value;
  }
  return std::nullopt;
}

std::string format_metadata(const json& metadata) {
  if (!metadata.is_object()) return "";
  if (field(metadata, "parsed").is_boolean() && !field(metadata, "parsed").get<bool>()) {
    return "unparsed: " + or_dash(text_of(metadata, "error"));
  }
  std::vector<std::string> parts;
  std::string architecture = text_of(metadata, "architecture");
  parts.push_back(architecture.empty() ? text_of(metadata, "format") : architecture);
  if (uint64_t n = number_of(metadata, "parameter_count"))
    parts.push_back(parameters(n) + " params");
  if (auto type = text_of(metadata, "file_type_name"); !type.empty()) parts.push_back(type);
  if (uint64_t ctx = number_of(metadata, "context_length")) {
    parts.push_back("ctx " + std::to_string(ctx));
  }
  std::string text;
  for (const auto& p : parts) {
    if (p.empty()) continue;
    if (!text.empty()) text += " ";
    text += p;
  }
  return text;
}

std::string format_tag(const json& doc) {
  const std::string model = text_of(doc, "model");
  const json& resolved = field(doc, "resolved");
  std::vector<std::vector<std::string>> rows;
  if (resolved.is_object() && field(resolved, "snapshot").is_object()) {
    rows.push_back({"  serves", serves_text(resolved, model)});
    rows.push_back({"  chain", or_dash(chain_of(resolved))});
  } else if (resolved.is_object()) {
    rows.push_back({"  serves", text_of(resolved, "key") + " (" +
                                    format_bytes(number_of(resolved, "size")) + ")"});
    rows.push_back({"  chain", or_dash(chain_of(resolved))});
    rows.push_back({"  sha256", or_dash(text_of(resolved, "sha256"))});
    if (auto v = text_of(resolved, "version_id"); !v.empty() && v != "null") {
      rows.push_back({"  version", v});
    }
    if (auto meta = format_metadata(field(resolved, "metadata")); !meta.empty()) {
      rows.push_back({"  model", meta});
    }
  } else {
    rows.push_back({"  serves", "nothing: " + or_dash(text_of(doc, "error"))});
  }
  rows.push_back({"  etag", or_dash(text_of(doc, "etag"))});
  std::string updated = or_dash(text_of(doc, "updated"));
  if (auto by = text_of(doc, "updated_by"); !by.empty()) updated += " by " + by;
  rows.push_back({"  updated", updated});
  std::string out = model + ":" + text_of(doc, "tag") + " -> " +
                    format_targets(field(doc, "targets")) + "\n" + format_text_table(rows);
  if (const json& snapshot = field(resolved, "snapshot"); snapshot.is_object()) {
    out += format_snapshot(snapshot);
  }
  return out;
}

std::string format_tag_table(const json& model_doc) {
  const std::string model = text_of(model_doc, "name");
  std::vector<std::vector<std::string>> rows = {{"TAG", "TARGET", "SERVES", "SIZE", "UPDATED"}};
  for (const auto& tag : array_field(model_doc, "tags")) {
    const json& resolved = field(tag, "resolved");
    rows.push_back({text_of(tag, "tag"), format_targets(field(tag, "targets")),
                    resolved.is_object() ? serves_text(resolved, model)
                                         : "(" + or_dash(text_of(tag, "error")) + ")",
                    resolved.is_object() ? format_bytes(field(resolved, "snapshot").is_object()
                                                             ? number_of(field(resolved, "snapshot"), "size")
                                                             : number_of(resolved, "size"))
                                         : "-",
                    or_dash(text_of(tag, "updated"))});
  }
  if (rows.size() == 1) return "no tags\n";
  return format_text_table(rows);
}

std::string format_history(const json& doc) {
  std::vector<std::vector<std::string>> rows = {{"SEQ", "TIME", "BY", "ACTION", "CHANGE"}};
  for (const auto& entry : array_field(doc, "history")) {
    const json& old_targets = field(entry, "old_targets");
    const json& new_targets = field(entry, "new_targets");
    std::string change = (old_targets.is_array() ? format_targets(old_targets) : "(none)") +
                         " -> " + (new_targets.is_array() ? format_targets(new_targets) : "(none)");
    const json& resolved = field(entry, "resolved");
    if (resolved.is_object() && !text_of(resolved, "key").empty()) {
      change += "  [" + relative_key(text_of(resolved, "key"), text_of(doc, "model")) + "]";
    }
    const json& seq = field(entry, "seq");
    rows.push_back({seq.is_number() ? seq.dump() : "-", or_dash(text_of(entry, "time")),
                    or_dash(text_of(entry, "actor")), or_dash(text_of(entry, "action")), change});
  }
  if (rows.size() == 1) return "no history\n";
  return format_text_table(rows);
}

std::string format_models(const json& doc) {
  std::vector<std::vector<std::string>> rows = {{"MODEL", "TAGS", "FILES", "SIZE"}};
  for (const auto& model : array_field(doc, "models")) {
    std::string tags;
    for (const auto& tag : array_field(model, "tags")) {
      if (!tags.empty()) tags += ",";
      tags += text_of(tag, "tag");
    }
    uint64_t size = 0;
    const json& files = array_field(model, "files");
    for (const auto& file : files) size += number_of(file, "size");
    rows.push_back(
        {text_of(model, "name"), or_dash(tags), std::to_string(files.size()), format_bytes(size)});
  }
  if (rows.size() == 1) return "no models\n";
  return format_text_table(rows);
}

std::string format_model(const json& doc) {
  const std::string model = text_of(doc, "name");
  std::string out = model + " (bucket " + or_dash(text_of(doc, "bucket")) + ")\n\ntags:\n";
  std::vector<std::vector<std::string>> tags;
  std::string snapshots;
  const CurrentFiles current{
      array_field(doc, "files"),
      !(field(doc, "files_truncated").is_boolean() && field(doc, "files_truncated").get<bool>())};
  for (const auto& tag : array_field(doc, "tags")) {
    const json& resolved = field(tag, "resolved");
    const json& snapshot = field(resolved, "snapshot");
    std::string note;
    if (snapshot.is_object()) {
      if (size_t n = older_pins(snapshot, current)) {
        note = std::to_string(n) + (n == 1 ? " file pins" : " files pin") +
               " an older version than the current one (marked below)";
      }
    } else if (resolved.is_object()) {
      note = pin_note(resolved, current.files, current.complete);
    }
    tags.push_back({"  " + text_of(tag, "tag"), "-> " + format_targets(field(tag, "targets")),
                    resolved.is_object() ? serves_text(resolved, model)
                                         : "(" + or_dash(text_of(tag, "error")) + ")"});
    if (!note.empty()) tags.back().push_back("! " + note);
    if (snapshot.is_object()) {
      snapshots +=
          "\n" + text_of(tag, "tag") + " (snapshot):\n" + format_snapshot(snapshot, &current);
    }
  }
  out += tags.empty() ? "  (none)\n" : format_text_table(tags);
  out += snapshots;
  out += "\nfiles:\n";
  std::vector<std::vector<std::string>> files;
  for (const auto& file : array_field(doc, "files")) {
    std::string path = text_of(file, "path");
    if (path.empty()) path = relative_key(text_of(file, "key"), model);
    std::string sha = text_of(file, "sha256");
    files.push_back({"  " + path, format_bytes(number_of(file, "size")),
                     sha.empty() ? "sha256 -" : "sha256 " + sha.substr(0, 12),
                     format_metadata(field(file, "metadata"))});
  }
  out += files.empty() ? "  (none)\n" : format_text_table(files);
  if (field(doc, "files_truncated").is_boolean() && field(doc, "files_truncated").get<bool>()) {
    out += "  ... (more files not listed)\n";
  }
  return out;
}

}  // namespace moss::cli
