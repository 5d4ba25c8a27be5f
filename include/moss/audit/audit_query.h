// Reading the audit trail back: "which clients pulled llama-3-8b v2 today, and
// which bytes did they get". Scans the rotated files and audit.jsonl of an
// audit directory line by line (never a whole file in memory; lines longer
// than kMaxAuditLineBytes are skipped), keeping at most `limit + 1` matches.
// Serves GET /_moss/v1/audit and `moss audit`. Safe to run while an AuditLog
// writes the same directory: a last line still being written is left for the
// next query, and a rotation in the middle of a query can hide that file's
// events from it (the next query sees them).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "moss/audit/audit_event.h"

namespace moss {

inline constexpr size_t kMaxAuditLineBytes = 64 * 1024;
inline constexpr size_t kDefaultAuditQueryLimit = 1000;
inline constexpr size_t kMaxAuditQueryLimit = 10000;

enum class AuditOrder { kNewestFirst, kOldestFirst };

// Every filter that is set must match; an empty one matches everything.
struct AuditFilter {
  // Bucket-relative model name: matches when the key asked for or the key
  // resolved starts with "<model>/".
  std::string model;
  std::string bucket;
  std::string tag;                         // one of the tag_chain steps
  std::string key_name;                    // the key's name or its access key id
  std::string kind;                        // "read", "tag-change", ...
  std::optional<int64_t> since_ns;         // time_ns >= since
  std::optional<int64_t> until_ns;         // time_ns < until
  size_t limit = kDefaultAuditQueryLimit;  // clamped to [1, kMaxAuditQueryLimit]
  AuditOrder order = AuditOrder::kNewestFirst;
};

struct AuditQueryResult {
  std::vector<AuditEvent> events;  // in the order asked for
  bool truncated = false;          // more events matched than `limit`
  uint64_t malformed_lines = 0;    // lines skipped: not an event, or too long
};

bool audit_event_matches(const AuditEvent& event, const AuditFilter& filter);

// Files are visited in the order they were written (or its reverse), events
// within a file in the order they were appended.
AuditQueryResult query_audit_log(const std::string& directory, const AuditFilter& filter);

// {"events":[...],"truncated":bool,"malformed_lines":n}, for the HTTP endpoint.
std::string render_audit_json(const AuditQueryResult& result);
// A table for people: time, key name, remote, client id, asked-for key, resolved
// key, version, SHA-256 prefix, bytes, status; one row per event, "-" for empty.
std::string render_audit_table(const AuditQueryResult& result);

}  // namespace moss
