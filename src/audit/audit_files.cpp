#include "audit/audit_files.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <ctime>
#include <filesystem>

#include "moss/util/fs.h"

namespace moss::audit_files {
namespace {

constexpr int64_t kNanosPerSecond = 1'000'000'000;
constexpr std::string_view kPrefix = "audit-";
constexpr std::string_view kSuffix = ".jsonl";

template <class Number>
bool parse_number(std::string_view text, Number& out) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

std::string current_file_path(const std::string& directory) {
  return directory + "/" + std::string(kCurrentFileName);
}

std::string rotated_file_name(int64_t rotated_at_ns, uint64_t sequence) {
  std::tm tm{};
  const auto t = static_cast<std::time_t>(rotated_at_ns / kNanosPerSecond);
  gmtime_r(&t, &tm);
  return fmt::format("audit-{:04}{:02}{:02}T{:02}{:02}{:02}Z-{:06}.jsonl", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, sequence);
}

std::optional<RotatedFile> parse_rotated_file_name(std::string_view name) {
  // audit-YYYYMMDDTHHMMSSZ-<sequence>.jsonl
  if (!name.starts_with(kPrefix) || !name.ends_with(kSuffix)) return std::nullopt;
  std::string_view middle =
      name.substr(kPrefix.size(), name.size() - kPrefix.size() - kSuffix.size());
  if (middle.size() < 18 || middle[8] != 'T' || middle[15] != 'Z' || middle[16] != '-') {
    return std::nullopt;
  }
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  uint64_t sequence = 0;
  if (!parse_number(middle.substr(0, 4), year) || !parse_number(middle.substr(4, 2), month) ||
      !parse_number(middle.substr(6, 2), day) || !parse_number(middle.substr(9, 2), hour) ||
      !parse_number(middle.substr(11, 2), minute) || !parse_number(middle.substr(13, 2), second) ||
      !parse_number(middle.substr(17), sequence)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  RotatedFile file;
  file.rotated_at_ns = static_cast<int64_t>(timegm(&tm)) * kNanosPerSecond;
  file.sequence = sequence;
  return file;
}

std::vector<RotatedFile> list_rotated_files(const std::string& directory) {
  std::vector<RotatedFile> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(directory, ec)) {
    auto file = parse_rotated_file_name(entry.path().filename().string());
    if (!file) continue;
    file->path = entry.path().string();
    files.push_back(std::move(*file));
  }
  std::sort(files.begin(), files.end(), [](const RotatedFile& a, const RotatedFile& b) {
    return a.sequence != b.sequence ? a.sequence < b.sequence : a.path < b.path;
  });
  return files;
}

size_t remove_expired_files(const std::string& directory, int64_t now_ns,
                            std::chrono::seconds retention, size_t max_files) {
  auto files = list_rotated_files(directory);
  const int64_t retention_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(retention).count();
  const size_t over_count =
      max_files > 0 && files.size() > max_files ? files.size() - max_files : 0;
  size_t removed = 0;
  for (size_t i = 0; i < files.size(); ++i) {
    const bool expired = retention_ns > 0 && files[i].rotated_at_ns < now_ns - retention_ns;
    if (!expired && i >= over_count) continue;
    if (::unlink(files[i].path.c_str()) != 0 && errno != ENOENT) {
      spdlog::error("audit: cannot remove expired {}: {}", files[i].path, std::strerror(errno));
      continue;
    }
    ++removed;
  }
  if (removed > 0) {
    if (auto ec = fsync_directory(directory)) {
      spdlog::error("audit: cannot sync {}: {}", directory, ec.message());
    }
  }
  return removed;
}

}  // namespace moss::audit_files
