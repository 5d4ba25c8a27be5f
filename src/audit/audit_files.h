// The files of an audit directory: the one being written (audit.jsonl) and the
// rotated ones, named audit-<UTC time of rotation>-<sequence>.jsonl
// ("audit-20261205T193958Z-000042.jsonl"). The sequence keeps growing across
// restarts (the writer continues from the highest one present), so it orders
// the files even when the clock steps back; the time lets retention and
// queries judge a file's age without opening it.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace moss::audit_files {

inline constexpr std::string_view kCurrentFileName = "audit.jsonl";

struct RotatedFile {
  std::string path;
  int64_t rotated_at_ns = 0;  // to the second, as the name records it
  uint64_t sequence = 0;
};

std::string current_file_path(const std::string& directory);
std::string rotated_file_name(int64_t rotated_at_ns, uint64_t sequence);
// nullopt for any other name (the current file, temp files, strangers).
std::optional<RotatedFile> parse_rotated_file_name(std::string_view name);
// The rotated files of `directory`, oldest (lowest sequence) first; empty when
// the directory does not exist.
std::vector<RotatedFile> list_rotated_files(const std::string& directory);

// Removes rotated files rotated before `now_ns - retention` (a retention of
// zero keeps them regardless of age) and, beyond `max_files` (zero: no limit),
// the oldest ones. Returns how many were removed; unlink failures are logged.
size_t remove_expired_files(const std::string& directory, int64_t now_ns,
                            std::chrono::seconds retention, size_t max_files);

}  // namespace moss::audit_files
