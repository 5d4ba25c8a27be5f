#include "moss/models/snapshot.h"

#include <algorithm>

#include "moss/models/tag_key.h"
#include "moss/util/digest.h"
#include "moss/util/hex.h"

namespace moss::models {
std::string snapshot_identity(std::vector<SnapshotEntry> entries) {
  std::sort(entries.begin(), entries.end(),
            [](const SnapshotEntry& a, const SnapshotEntry& b) { return a.path < b.path; });
  auto hasher = make_hasher(DigestAlgorithm::kSha256);
  for (const auto& e : entries) {
    std::string line = e.path;
    line.push_back('\0');
    line += e.sha256;
    line.push_back('\n');
    hasher->update(std::string_view(line));
  }
  return to_hex(hasher->final());
}

std::string snapshot_short_id(std::string_view identity) {
  return std::string(identity.substr(0, kSnapshotShortIdHexDigits));
}

bool is_snapshot_id(std::string_view text) {
  return (text.size() == kSnapshotIdHexDigits || text.size() == kSnapshotShortIdHexDigits) &&
         is_lower_hex(text);
}

std::string tag_folder(std::string_view model, std::string_view tag) {
  return tag_object_key(model, tag) + "/";
}

std::string snapshot_folder(std::string_view model, std::string_view id) {
  return std::string(model) + "/snapshots/" + std::string(id) + "/";
}

std::vector<SnapshotAddress> snapshot_addresses(std::string_view key, bool allow_empty_path) {
  std::vector<SnapshotAddress> out;
  if (parse_tag_key(key)) return out;
  for (std::string_view marker : {std::string_view("/tags/"), std::string_view("/snapshots/")}) {
    for (size_t pos = key.find(marker); pos != std::string_view::npos;
         pos = key.find(marker, pos + 1)) {
      if (pos == 0) continue;
      const size_t name_start = pos + marker.size();
      const size_t slash = key.find('/', name_start);
      if (slash == std::string_view::npos || slash == name_start) continue;
      std::string_view name = key.substr(name_start, slash - name_start);
      std::string_view path = key.substr(slash + 1);
      if (path.empty() && !allow_empty_path) continue;
      SnapshotAddress a;
      a.model = std::string(key.substr(0, pos));
      if (marker == "/tags/") {
        a.tag = std::string(name);
      } else {
        if (!is_snapshot_id(name)) continue;
        a.snapshot_id = std::string(name);
      }
      a.folder = std::string(key.substr(0, slash + 1));
      a.path = std::string(path);
      out.push_back(std::move(a));
    }
  }
  std::sort(out.begin(), out.end(), [](const SnapshotAddress& a, const SnapshotAddress& b) {
    return a.folder.size() < b.folder.size();
  });
  return out;
}

}  // namespace moss::models
