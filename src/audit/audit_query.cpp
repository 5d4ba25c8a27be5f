#include "moss/audit/audit_query.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <iterator>
#include <nlohmann/json.hpp>

#include "audit/audit_files.h"
#include "audit/bounded_line_reader.h"
#include "moss/util/text_table.h"
#include "moss/util/time_format.h"
#include "moss/util/unique_fd.h"

namespace moss {
namespace {

constexpr int64_t kNanosPerSecond = 1'000'000'000;
constexpr size_t kShownHashChars = 12;

struct AuditFile {
  std::string path;
  std::optional<int64_t> rotated_at_ns;  // nullopt for audit.jsonl, still growing
};

// Oldest first: the rotated files by sequence, then the current one.
std::vector<AuditFile> files_in_write_order(const std::string& directory) {
  std::vector<AuditFile> files;
  for (auto& rotated : audit_files::list_rotated_files(directory)) {
    files.push_back({std::move(rotated.path), rotated.rotated_at_ns});
  }
  files.push_back({audit_files::current_file_path(directory), std::nullopt});
  return files;
}

// Every event of a rotated file was appended before its rotation, whose time
// the name keeps to the second; a file rotated before `since` has nothing newer.
bool entirely_before(const AuditFile& file, const AuditFilter& filter) {
  return file.rotated_at_ns && filter.since_ns &&
         *file.rotated_at_ns + kNanosPerSecond < *filter.since_ns;
}

// Calls `on_match` with each matching event of the file, in file order.
template <class OnMatch>
void scan_file(const AuditFile& file, const AuditFilter& filter, AuditQueryResult& result,
               OnMatch&& on_match) {
  UniqueFd fd(::open(file.path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return;  // rotated away or expired since the listing
  BoundedLineReader reader(fd.get(), kMaxAuditLineBytes);
  std::string line;
  while (true) {
    switch (reader.next(line)) {
      case BoundedLineReader::Status::kEnd:
        return;
      case BoundedLineReader::Status::kError:
        spdlog::warn("audit: reading {} failed: {}", file.path, std::strerror(errno));
        return;
      case BoundedLineReader::Status::kTooLong:
        ++result.malformed_lines;
        continue;
      case BoundedLineReader::Status::kLine:
        break;
    }
    if (line.empty()) continue;
    auto event = parse_audit_event(line);
    if (!event) {
      ++result.malformed_lines;
      continue;
    }
    if (audit_event_matches(*event, filter)) on_match(std::move(*event));
  }
}

bool has_model_prefix(const std::string& key, const std::string& model) {
  return key.size() > model.size() && key[model.size()] == '/' && key.starts_with(model);
}

// Text from a client shown on a terminal: control characters become '?', so
// a client id cannot move the cursor or recolour the screen.
std::string printable(std::string_view text) {
  if (text.empty()) return "-";
  std::string out(text);
  for (char& c : out) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) c = '?';
  }
  return out;
}

}  // namespace

bool audit_event_matches(const AuditEvent& event, const AuditFilter& filter) {
  if (!filter.model.empty() && !has_model_prefix(event.key, filter.model) &&
      !has_model_prefix(event.resolved_key, filter.model)) {
    return false;
  }
  if (!filter.bucket.empty() && event.bucket != filter.bucket) return false;
  if (!filter.tag.empty() && std::find(event.tag_chain.begin(), event.tag_chain.end(),
                                       filter.tag) == event.tag_chain.end()) {
    return false;
  }
  if (!filter.key_name.empty() && event.key_name != filter.key_name &&
      event.access_key_id != filter.key_name) {
    return false;
  }
  if (!filter.kind.empty() && event.kind != filter.kind) return false;
  if (filter.since_ns && event.time_ns < *filter.since_ns) return false;
  if (filter.until_ns && event.time_ns >= *filter.until_ns) return false;
  return true;
}

AuditQueryResult query_audit_log(const std::string& directory, const AuditFilter& filter) {
  const size_t limit = std::clamp<size_t>(filter.limit, 1, kMaxAuditQueryLimit);
  AuditQueryResult result;
  auto files = files_in_write_order(directory);

  if (filter.order == AuditOrder::kOldestFirst) {
    for (const auto& file : files) {
      if (entirely_before(file, filter)) continue;
      scan_file(file, filter, result, [&](AuditEvent event) {
        if (result.events.size() < limit) {
          result.events.push_back(std::move(event));
        } else {
          result.truncated = true;
        }
      });
      if (result.truncated) break;
    }
    return result;
  }

  // Newest first: each file is read forward, keeping only its last matches
  // (as many as may still be returned, plus one to tell truncation).
  for (auto file = files.rbegin(); file != files.rend(); ++file) {
    if (entirely_before(*file, filter)) continue;
    const size_t wanted = limit + 1 - result.events.size();
    std::deque<AuditEvent> newest;
    scan_file(*file, filter, result, [&](AuditEvent event) {
      newest.push_back(std::move(event));
      if (newest.size() > wanted) newest.pop_front();
    });
    std::move(newest.rbegin(), newest.rend(), std::back_inserter(result.events));
    if (result.events.size() > limit) {
      result.events.resize(limit);
      result.truncated = true;
      break;
    }
  }
  return result;
}

std::string render_audit_json(const AuditQueryResult& result) {
  nlohmann::json events = nlohmann::json::array();
  for (const auto& event : result.events) events.push_back(audit_event_to_json(event));
  nlohmann::json doc = {{"events", std::move(events)},
                        {"truncated", result.truncated},
                        {"malformed_lines", result.malformed_lines}};
  return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string render_audit_table(const AuditQueryResult& result) {
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"TIME", "KEY NAME", "REMOTE", "CLIENT ID", "ASKED FOR", "RESOLVED", "VERSION",
                  "SHA256", "BYTES", "STATUS"});
  for (const auto& e : result.events) {
    std::string time = format_rfc3339_nanos(e.time_ns);
    time = time.substr(0, 19) + "Z";  // to the second: enough to read, narrower
    std::string asked = e.bucket.empty() ? e.key : e.bucket + "/" + e.key;
    std::string resolved = e.kind == kAuditKindTagChange
                               ? printable(e.old_target) + " -> " + printable(e.new_target)
                               : e.resolved_key;
    rows.push_back({time, printable(e.key_name.empty() ? e.access_key_id : e.key_name),
                    printable(e.remote), printable(e.client_id), printable(asked),
                    printable(resolved), printable(e.version_id),
                    printable(e.sha256.substr(0, std::min(e.sha256.size(), kShownHashChars))),
                    std::to_string(e.bytes_sent), std::to_string(e.status)});
  }
  std::string out = format_text_table(rows);
  if (result.truncated) {
    out += fmt::format("(only the first {} matching events; narrow the filters to see the rest)\n",
                       result.events.size());
  }
  if (result.malformed_lines > 0) {
    out += fmt::format("({} malformed lines skipped)\n", result.malformed_lines);
  }
  return out;
}

}  // namespace moss
