// One entry of the audit trail: who read which model bytes, or who moved a tag.
// Each event is stored as one JSON object on one line (docs/audit.md lists the
// fields); the line never holds a raw newline, whatever the strings contain,
// and text that is not valid UTF-8 is stored with U+FFFD in its place.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace moss {

// The kinds of event; `AuditEvent::kind` holds one of these names.
inline constexpr std::string_view kAuditKindRead = "read";  // GET of an object or tag, a pull
inline constexpr std::string_view kAuditKindTagChange = "tag-change";
inline constexpr std::string_view kAuditKindMirror = "mirror";  // a pull by a mirroring peer
// A file fetched from a Hugging Face Hub upstream (docs/hub-mirror.md).
inline constexpr std::string_view kAuditKindHubFetch = "hub-fetch";

struct AuditEvent {
  int64_t time_ns = 0;  // Unix nanoseconds, UTC: when the request arrived
  std::string kind;
  std::string key_name;       // the access key's name; empty for anonymous reads
  std::string access_key_id;  // empty for anonymous reads
  std::string remote;         // client address ("10.0.0.7:51234")
  std::string client_id;      // the x-moss-client-id header, if sent
  std::string bucket;
  std::string key;                     // the key asked for (a tag reference or a file key)
  std::vector<std::string> tag_chain;  // tags followed, as ResolvedTag::chain; empty for a file
  std::string resolved_key;            // the object actually served
  std::string version_id;
  std::string sha256;  // hex, of the version served
  uint64_t bytes_sent = 0;
  int status = 0;  // HTTP status of the response
  std::string request_id;
  // Tag changes only: the tag's target before and after ("" when created or deleted).
  std::string old_target;
  std::string new_target;

  bool operator==(const AuditEvent&) const = default;
};

// The longest client id kept; a longer x-moss-client-id header is cut to this.
inline constexpr size_t kMaxAuditClientIdBytes = 256;

// The event as a JSON object (with "time" rendered as RFC 3339 beside "time_ns").
nlohmann::json audit_event_to_json(const AuditEvent& event);
// The stored form: the JSON object on one line, ending in '\n'.
std::string audit_event_line(const AuditEvent& event);
// The same line appended to `out` (the writer builds a batch in one string).
void append_audit_event_line(std::string& out, const AuditEvent& event);
// Reads a stored line back (without its '\n'); nullopt when it is not an event
// (not JSON, not an object, no integer "time_ns", or a field of the wrong type).
std::optional<AuditEvent> parse_audit_event(std::string_view line);

}  // namespace moss
