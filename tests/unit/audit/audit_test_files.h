// Events and file helpers shared by the audit tests.
#pragma once

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "moss/audit/audit_event.h"

namespace moss::testing {

inline constexpr int64_t kSecond = 1'000'000'000;
// 2024-12-05T19:39:58Z: a fixed "now" for the tests.
inline constexpr int64_t kTestNow = 1733427598 * kSecond;

inline AuditEvent read_event(int64_t time_ns, std::string key, std::string key_name = "ci") {
  AuditEvent event;
  event.time_ns = time_ns;
  event.kind = std::string(kAuditKindRead);
  event.key_name = std::move(key_name);
  event.access_key_id = "AKIA" + event.key_name;
  event.remote = "10.0.0.7:51234";
  event.client_id = "runner-1";
  event.bucket = "models";
  event.key = std::move(key);
  event.resolved_key = event.key;
  event.version_id = "v-1";
  event.sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
  event.bytes_sent = 4096;
  event.status = 200;
  event.request_id = "req-1";
  return event;
}

inline std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

inline void append_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::app);
  out << text;
}

inline void append_events(const std::string& path, const std::vector<AuditEvent>& events) {
  std::string text;
  for (const auto& event : events) text += audit_event_line(event);
  append_text(path, text);
}

}  // namespace moss::testing
