#include "moss/models/tag_target.h"

#include <nlohmann/json.hpp>
#include <set>

#include "valid_utf8.h"

namespace moss::models {
namespace {

using nlohmann::json;

std::string_view trim(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

ModelResult<TargetRequest> target_from_json(const json& j) {
  auto it = j.find("target");
  if (it == j.end() || !it->is_string()) {
    return model_fail(ModelErrc::kInvalidArgument, "each target needs a \"target\" string");
  }
  TargetRequest r{it->get<std::string>(), 1};
  if (auto w = j.find("weight"); w != j.end()) {
    if (!w->is_number_unsigned() || w->get<uint64_t>() == 0 ||
        w->get<uint64_t>() > kMaxTargetWeight) {
      return model_fail(ModelErrc::kInvalidArgument, "a weight must be a positive integer up to " +
                                                         std::to_string(kMaxTargetWeight) +
                                                         ", got " + w->dump());
    }
    r.weight = w->get<uint64_t>();
  }
  return r;
}

ModelResult<std::vector<TargetRequest>> targets_from_document(const json& doc) {
  std::vector<TargetRequest> out;
  if (!doc.is_object()) {
    return model_fail(ModelErrc::kInvalidArgument, "the tag document must be a JSON object");
  }
  auto single = doc.find("target");
  auto several = doc.find("targets");
  if ((single == doc.end()) == (several == doc.end())) {
    return model_fail(ModelErrc::kInvalidArgument,
                      "the tag document needs exactly one of \"target\" and \"targets\"");
  }
  if (single != doc.end()) {
    auto r = target_from_json(doc);
    if (!r) return fail(r.error());
    out.push_back(std::move(*r));
    return out;
  }
  if (!several->is_array() || several->empty()) {
    return model_fail(ModelErrc::kInvalidArgument, "\"targets\" must be a non-empty array");
  }
  if (several->size() > kMaxTagTargets) {
    return model_fail(ModelErrc::kInvalidArgument,
                      "a tag has at most " + std::to_string(kMaxTagTargets) + " targets");
  }
  for (const auto& element : *several) {
    if (!element.is_object()) {
      return model_fail(ModelErrc::kInvalidArgument, "each target must be a JSON object");
    }
    auto r = target_from_json(element);
    if (!r) return fail(r.error());
    out.push_back(std::move(*r));
  }
  return out;
}

}  // namespace

std::string target_syntax_error(std::string_view target) {
  if (target.empty()) return "the target is empty";
  if (target.size() > kMaxTargetBytes) return "the target is longer than 1024 bytes";
  if (to_valid_utf8(target) != target) return "the target is not valid UTF-8";
  for (unsigned char c : target) {
    if (c < 0x20 || c == 0x7f) return "the target holds a control character";
  }
  if (target.front() == '/') return "a target is relative to the model path";
  if (target.size() > 1 && target.back() == '/') target.remove_suffix(1);  // a directory
  size_t start = 0;
  while (start <= target.size()) {
    size_t slash = target.find('/', start);
    if (slash == std::string_view::npos) slash = target.size();
    std::string_view segment = target.substr(start, slash - start);
    if (segment.empty() || segment == "." || segment == "..") {
      return "the target has an empty, \".\" or \"..\" path segment";
    }
    start = slash + 1;
  }
  return {};
}

ModelResult<std::vector<TargetRequest>> parse_target_request(std::string_view text) {
  if (text.size() > kMaxTagRequestBytes) {
    return model_fail(ModelErrc::kInvalidArgument, "the tag request is too large");
  }
  text = trim(text);
  std::vector<TargetRequest> targets;
  if (text.starts_with('{')) {
    json doc = json::parse(text, nullptr, false);
    if (doc.is_discarded()) {
      return model_fail(ModelErrc::kInvalidArgument, "the tag document is not valid JSON");
    }
    auto parsed = targets_from_document(doc);
    if (!parsed) return fail(parsed.error());
    targets = std::move(*parsed);
  } else {
    targets.push_back(TargetRequest{std::string(text), 1});
  }
  std::set<std::string_view> seen;
  for (const auto& t : targets) {
    if (auto why = target_syntax_error(t.target); !why.empty()) {
      return model_fail(ModelErrc::kInvalidTagTarget, why);
    }
    if (!seen.insert(t.target).second) {
      return model_fail(ModelErrc::kInvalidArgument, "target " + t.target + " is given twice");
    }
  }
  return targets;
}

std::string_view kind_name(TargetKind kind) {
  switch (kind) {
    case TargetKind::kTag:
      return "tag";
    case TargetKind::kSnapshot:
      return "snapshot";
    case TargetKind::kFile:
      break;
  }
  return "file";
}

std::string targets_to_json(const std::vector<TagTarget>& targets) {
  json arr = json::array();
  for (const auto& t : targets) {
    json o = {{"target", t.target}, {"weight", t.weight}, {"kind", kind_name(t.kind)}};
    if (t.kind == TargetKind::kFile) {
      o["version_id"] = t.version_id;
      o["sha256"] = t.sha256;
    }
    if (t.kind == TargetKind::kSnapshot) o["snapshot"] = t.snapshot;
    arr.push_back(std::move(o));
  }
  return arr.dump();
}

ModelResult<std::vector<TagTarget>> targets_from_json(std::string_view text) {
  json arr = json::parse(text, nullptr, false);
  if (!arr.is_array()) return model_fail(ModelErrc::kIo, "stored tag targets are not an array");
  std::vector<TagTarget> out;
  for (const auto& o : arr) {
    if (!o.is_object()) return model_fail(ModelErrc::kIo, "stored tag target is not an object");
    TagTarget t;
    t.target = o.value("target", "");
    t.weight = o.value("weight", uint64_t{1});
    const std::string kind = o.value("kind", "");
    t.kind = kind == "tag"        ? TargetKind::kTag
             : kind == "snapshot" ? TargetKind::kSnapshot
                                  : TargetKind::kFile;
    t.snapshot = o.value("snapshot", "");
    t.version_id = o.value("version_id", "");
    t.sha256 = o.value("sha256", "");
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace moss::models
