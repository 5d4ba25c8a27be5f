#include "row_codecs.h"

namespace moss::store::metadata_rows {

using json = nlohmann::json;

std::optional<std::string> common_prefix_of(std::string_view key, std::string_view prefix,
                                            std::string_view delimiter) {
  if (delimiter.empty()) return std::nullopt;
  const auto pos = key.find(delimiter, prefix.size());
  if (pos == std::string_view::npos) return std::nullopt;
  return std::string(key.substr(0, pos + delimiter.size()));
}

// 0xFF never occurs in UTF-8.
std::string prefix_upper_bound(std::string_view prefix) {
  std::string s(prefix);
  s.push_back('\xff');
  return s;
}

json segments_to_json(const std::vector<BlobSegment>& segments) {
  json arr = json::array();
  for (const auto& s : segments) {
    json o = {{"sha256", s.sha256}, {"size", s.size}};
    if (s.part_number) o["part"] = s.part_number;
    if (!s.part_etag.empty()) o["etag"] = s.part_etag;
    if (!s.part_checksum.empty()) o["checksum"] = s.part_checksum;
    arr.push_back(std::move(o));
  }
  return arr;
}

std::vector<BlobSegment> segments_from_json(const std::string& text) {
  std::vector<BlobSegment> out;
  json arr = json::parse(text, nullptr, false);
  if (!arr.is_array()) return out;
  for (const auto& o : arr) {
    BlobSegment s;
    s.sha256 = o.value("sha256", "");
    s.size = o.value("size", uint64_t{0});
    s.part_number = o.value("part", 0);
    s.part_etag = o.value("etag", "");
    s.part_checksum = o.value("checksum", "");
    out.push_back(std::move(s));
  }
  return out;
}

json attributes_to_json(const ObjectAttributes& a) {
  json o = json::object();
  auto put = [&](const char* name, const std::string& v) {
    if (!v.empty()) o[name] = v;
  };
  put("content_type", a.content_type);
  put("content_encoding", a.content_encoding);
  put("content_disposition", a.content_disposition);
  put("content_language", a.content_language);
  put("cache_control", a.cache_control);
  put("expires", a.expires);
  put("checksum_type", a.checksum_type);
  if (!a.user_metadata.empty()) {
    json meta = json::array();
    for (const auto& [k, v] : a.user_metadata) meta.push_back({k, v});
    o["user_metadata"] = std::move(meta);
  }
  if (!a.checksums.empty()) o["checksums"] = a.checksums;
  if (a.public_read) o["acl"] = "public-read";
  return o;
}

ObjectAttributes attributes_from_json(const std::string& text) {
  ObjectAttributes a;
  json o = json::parse(text, nullptr, false);
  if (!o.is_object()) return a;
  a.content_type = o.value("content_type", "");
  a.content_encoding = o.value("content_encoding", "");
  a.content_disposition = o.value("content_disposition", "");
  a.content_language = o.value("content_language", "");
  a.cache_control = o.value("cache_control", "");
  a.expires = o.value("expires", "");
  a.checksum_type = o.value("checksum_type", "");
  if (auto it = o.find("user_metadata"); it != o.end() && it->is_array()) {
    for (const auto& pair : *it) {
      if (pair.is_array() && pair.size() == 2) {
        a.user_metadata.emplace_back(pair[0].get<std::string>(), pair[1].get<std::string>());
      }
    }
  }
  if (auto it = o.find("checksums"); it != o.end() && it->is_object()) {
    a.checksums = it->get<std::map<std::string, std::string>>();
  }
  a.public_read = o.value("acl", "") == "public-read";
  return a;
}

std::string ids_to_json(const std::vector<std::string>& ids) { return json(ids).dump(); }

std::vector<std::string> ids_from_json(const std::string& text) {
  json arr = json::parse(text, nullptr, false);
  std::vector<std::string> out;
  if (!arr.is_array()) return out;
  for (const auto& id : arr) {
    if (id.is_string()) out.push_back(id.get<std::string>());
  }
  return out;
}

json pins_to_json(const std::vector<ObjectVersion>& pins) {
  json arr = json::array();
  for (const auto& v : pins) {
    json o = {{"key", v.key},
              {"version_id", v.version_id},
              {"size", v.size},
              {"etag", v.etag},
              {"last_modified_ns", v.last_modified_ns},
              {"content_sha256", v.content_sha256},
              {"owner", v.owner},
              {"segments", segments_to_json(v.segments)},
              {"attributes", attributes_to_json(v.attributes)}};
    if (!v.model_metadata.empty()) o["model_metadata"] = v.model_metadata;
    arr.push_back(std::move(o));
  }
  return arr;
}

std::vector<ObjectVersion> pins_from_json(const std::string& text, int64_t bucket_id) {
  std::vector<ObjectVersion> out;
  json arr = json::parse(text, nullptr, false);
  if (!arr.is_array()) return out;
  for (const auto& o : arr) {
    if (!o.is_object()) continue;
    ObjectVersion v;
    v.bucket_id = bucket_id;
    v.key = o.value("key", "");
    v.version_id = o.value("version_id", "");
    v.size = o.value("size", uint64_t{0});
    v.etag = o.value("etag", "");
    v.last_modified_ns = o.value("last_modified_ns", int64_t{0});
    v.content_sha256 = o.value("content_sha256", "");
    v.owner = o.value("owner", "");
    if (auto it = o.find("segments"); it != o.end()) v.segments = segments_from_json(it->dump());
    if (auto it = o.find("attributes"); it != o.end()) {
      v.attributes = attributes_from_json(it->dump());
    }
    v.model_metadata = o.value("model_metadata", "");
    out.push_back(std::move(v));
  }
  return out;
}

namespace {

const char* filter_form_name(RuleFilterForm form) {
  switch (form) {
    case RuleFilterForm::kEmptyFilter:
      return "empty";
    case RuleFilterForm::kRulePrefix:
      return "rule";
    case RuleFilterForm::kFilterPrefix:
      break;
  }
  return "prefix";
}

RuleFilterForm filter_form_from_name(const std::string& name) {
  if (name == "empty") return RuleFilterForm::kEmptyFilter;
  if (name == "rule") return RuleFilterForm::kRulePrefix;
  return RuleFilterForm::kFilterPrefix;
}

template <class T>
std::optional<T> optional_field(const json& o, const char* name) {
  auto it = o.find(name);
  if (it == o.end() || it->is_null()) return std::nullopt;
  return it->get<T>();
}

}  // namespace

json rules_to_json(const std::vector<LifecycleRule>& rules) {
  json arr = json::array();
  for (const auto& r : rules) {
    json o = {{"id", r.id},
              {"enabled", r.enabled},
              {"prefix", r.prefix},
              {"filter", filter_form_name(r.filter_form)}};
    if (r.expiration_days) o["expiration_days"] = *r.expiration_days;
    if (r.expiration_date_ns) o["expiration_date_ns"] = *r.expiration_date_ns;
    if (r.expired_object_delete_marker) {
      o["expired_object_delete_marker"] = *r.expired_object_delete_marker;
    }
    if (r.noncurrent_days) o["noncurrent_days"] = *r.noncurrent_days;
    if (r.newer_noncurrent_versions) o["newer_noncurrent_versions"] = *r.newer_noncurrent_versions;
    if (r.abort_upload_days) o["abort_upload_days"] = *r.abort_upload_days;
    arr.push_back(std::move(o));
  }
  return arr;
}

std::vector<LifecycleRule> rules_from_json(const std::string& text) {
  std::vector<LifecycleRule> rules;
  json arr = json::parse(text, nullptr, false);
  if (!arr.is_array()) return rules;
  for (const auto& o : arr) {
    if (!o.is_object()) continue;
    LifecycleRule r;
    r.id = o.value("id", "");
    r.enabled = o.value("enabled", false);
    r.prefix = o.value("prefix", "");
    r.filter_form = filter_form_from_name(o.value("filter", ""));
    r.expiration_days = optional_field<int>(o, "expiration_days");
    r.expiration_date_ns = optional_field<int64_t>(o, "expiration_date_ns");
    r.expired_object_delete_marker = optional_field<bool>(o, "expired_object_delete_marker");
    r.noncurrent_days = optional_field<int>(o, "noncurrent_days");
    r.newer_noncurrent_versions = optional_field<int>(o, "newer_noncurrent_versions");
    r.abort_upload_days = optional_field<int>(o, "abort_upload_days");
    rules.push_back(std::move(r));
  }
  return rules;
}

}  // namespace moss::store::metadata_rows
