#include "moss/audit/audit_event.h"

#include <algorithm>
#include <charconv>
#include <concepts>
#include <nlohmann/json.hpp>
#include <type_traits>

#include "moss/util/json_text.h"
#include "moss/util/time_format.h"

namespace moss {

using nlohmann::json;

namespace {

// Cuts at a byte count without splitting a UTF-8 sequence (invalid text is
// replaced when the line is written anyway).
std::string_view at_most(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

// A stored field read back; absent fields keep their defaults (older lines may
// lack newer fields), present fields of the wrong type make the line malformed.
bool read_string(const json& object, const char* name, std::string& out) {
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) return true;
  if (!it->is_string()) return false;
  out = it->get<std::string>();
  return true;
}

template <class Integer>
bool read_integer(const json& object, const char* name, Integer& out) {
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) return true;
  if (!it->is_number_integer()) return false;
  if (std::is_unsigned_v<Integer> && !it->is_number_unsigned()) return false;
  out = it->get<Integer>();
  return true;
}

}  // namespace

json audit_event_to_json(const AuditEvent& event) {
  json out = {
      {"time", format_rfc3339_nanos(event.time_ns)},
      {"time_ns", event.time_ns},
      {"kind", event.kind},
      {"key_name", event.key_name},
      {"access_key_id", event.access_key_id},
      {"remote", event.remote},
      {"client_id", at_most(event.client_id, kMaxAuditClientIdBytes)},
      {"bucket", event.bucket},
      {"key", event.key},
      {"tag_chain", event.tag_chain},
      {"resolved_key", event.resolved_key},
      {"version_id", event.version_id},
      {"sha256", event.sha256},
      {"bytes_sent", event.bytes_sent},
      {"status", event.status},
      {"request_id", event.request_id},
  };
  if (event.kind == kAuditKindTagChange || !event.old_target.empty() || !event.new_target.empty()) {
    out["old_target"] = event.old_target;
    out["new_target"] = event.new_target;
  }
  return out;
}

namespace {

// A string as nlohmann::json::dump(-1, ' ', false, replace) writes it: plain
// text copied as it is, anything else through nlohmann itself, so the two can
// never disagree.
void append_json_string(std::string& out, std::string_view text) {
  if (is_plain_json_text(text)) {
    out += '"';
    out.append(text);
    out += '"';
  } else {
    out += json(text).dump(-1, ' ', false, json::error_handler_t::replace);
  }
}

void append_field(std::string& out, std::string_view name, std::string_view value) {
  if (is_plain_json_text(value)) {
    // The common case in one resize and two copies: a std::string append per
    // quote and colon cost more than the copying (callgrind).
    const size_t at = out.size();
    out.resize(at + name.size() + value.size() + 6);  // "name":"value",
    char* p = out.data() + at;
    *p++ = '"';
    p = std::copy(name.begin(), name.end(), p);
    p = std::copy_n("\":\"", 3, p);
    p = std::copy(value.begin(), value.end(), p);
    *p++ = '"';
    *p = ',';
    return;
  }
  out += '"';
  out.append(name);
  out += "\":";
  append_json_string(out, value);
  out += ',';
}

// Through std::to_chars, not fmt's compiled format, which appends to a
// std::string a character at a time: five integers in every audit line.
void append_field(std::string& out, std::string_view name, std::integral auto value) {
  char digits[24];
  const char* end = std::to_chars(digits, digits + sizeof digits, value).ptr;
  out += '"';
  out.append(name);
  out += "\":";
  out.append(digits, static_cast<size_t>(end - digits));
  out += ',';
}

}  // namespace

void append_audit_event_line(std::string& line, const AuditEvent& event) {
  // Written field by field (not through audit_event_to_json, whose object of
  // std::map nodes cost more than serving a small object), in the order
  // nlohmann's sorted object dumps them: the same bytes, which the unit tests
  // compare. Escaping: every control character (so no raw newline survives);
  // invalid UTF-8 is stored as U+FFFD instead of throwing.
  line.reserve(line.size() + 512);
  line += '{';
  append_field(line, "access_key_id", event.access_key_id);
  append_field(line, "bucket", event.bucket);
  append_field(line, "bytes_sent", event.bytes_sent);
  append_field(line, "client_id", at_most(event.client_id, kMaxAuditClientIdBytes));
  append_field(line, "key", event.key);
  append_field(line, "key_name", event.key_name);
  append_field(line, "kind", event.kind);
  if (event.kind == kAuditKindTagChange || !event.old_target.empty() || !event.new_target.empty()) {
    append_field(line, "new_target", event.new_target);
    append_field(line, "old_target", event.old_target);
  }
  append_field(line, "remote", event.remote);
  append_field(line, "request_id", event.request_id);
  append_field(line, "resolved_key", event.resolved_key);
  append_field(line, "sha256", event.sha256);
  append_field(line, "status", event.status);
  line += "\"tag_chain\":[";
  for (size_t i = 0; i < event.tag_chain.size(); ++i) {
    if (i > 0) line += ',';
    append_json_string(line, event.tag_chain[i]);
  }
  line += "],";
  append_field(line, "time", format_rfc3339_nanos(event.time_ns));
  append_field(line, "time_ns", event.time_ns);
  append_field(line, "version_id", event.version_id);
  line.back() = '}';
  line += '\n';
}

std::string audit_event_line(const AuditEvent& event) {
  std::string line;
  append_audit_event_line(line, event);
  return line;
}

std::optional<AuditEvent> parse_audit_event(std::string_view line) {
  json object = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (!object.is_object()) return std::nullopt;
  auto time = object.find("time_ns");
  if (time == object.end() || !time->is_number_integer()) return std::nullopt;
  AuditEvent event;
  event.time_ns = time->get<int64_t>();
  bool ok = read_string(object, "kind", event.kind) &&
            read_string(object, "key_name", event.key_name) &&
            read_string(object, "access_key_id", event.access_key_id) &&
            read_string(object, "remote", event.remote) &&
            read_string(object, "client_id", event.client_id) &&
            read_string(object, "bucket", event.bucket) && read_string(object, "key", event.key) &&
            read_string(object, "resolved_key", event.resolved_key) &&
            read_string(object, "version_id", event.version_id) &&
            read_string(object, "sha256", event.sha256) &&
            read_integer(object, "bytes_sent", event.bytes_sent) &&
            read_integer(object, "status", event.status) &&
            read_string(object, "request_id", event.request_id) &&
            read_string(object, "old_target", event.old_target) &&
            read_string(object, "new_target", event.new_target);
  if (!ok) return std::nullopt;
  if (auto chain = object.find("tag_chain"); chain != object.end() && !chain->is_null()) {
    if (!chain->is_array()) return std::nullopt;
    for (const auto& step : *chain) {
      if (!step.is_string()) return std::nullopt;
      event.tag_chain.push_back(step.get<std::string>());
    }
  }
  return event;
}

}  // namespace moss
