// ModelRegistry, reading snapshots as folders: the snapshot a folder key
// names, one file of it, and ListObjects over it (docs/models.md, "Directory
// tags").
#include "model_tag_set.h"
#include "moss/models/model_registry.h"

namespace moss::models {
namespace {

// A snapshot's files are read in pages of this many while listing.
constexpr int kFilePage = 1000;

// Greater than every valid UTF-8 string starting with `prefix` (0xFF never
// occurs in UTF-8).
std::string after_all_starting_with(std::string_view prefix) {
  return std::string(prefix) + "\xff";
}

}  // namespace

ModelResult<std::optional<FolderSnapshot>> ModelRegistry::folder_snapshot(
    std::string_view bucket, const SnapshotAddress& folder, std::string_view client_id) {
  using Found = std::optional<FolderSnapshot>;
  if (!folder.snapshot_id.empty()) {
    auto snapshot = store_.get_snapshot(bucket, folder.model, folder.snapshot_id);
    if (!snapshot) {
      if (snapshot.error().code == store::StoreErrc::kNoSuchKey) return Found();
      return fail(from_store_error(snapshot.error()));
    }
    FolderSnapshot out;
    out.resolved.snapshot = std::move(*snapshot);
    return Found(std::move(out));
  }
  if (!check_tag_names(folder.model, folder.tag)) return Found();
  ModelTagSet tags(store_, std::string(bucket), folder.model);
  auto resolved = tags.resolve(folder.tag, client_id);
  if (!resolved) {
    // Only a failing store is an error: a tag that does not resolve (missing,
    // dangling) names no folder, and the key is an ordinary one.
    if (resolved.error().code != ModelErrc::kIo) return Found();
    return fail(resolved.error());
  }
  if (!resolved->snapshot) return Found();
  FolderSnapshot out;
  out.resolved = std::move(*resolved);
  auto record = tags.find(folder.tag);
  if (record && *record) out.tag_etag = (*record)->etag;
  return Found(std::move(out));
}

ModelResult<OpenedSnapshotFile> ModelRegistry::open_snapshot_file(
    std::string_view bucket, const store::SnapshotRecord& snapshot, std::string_view path) {
  auto file = store_.get_snapshot_file(bucket, snapshot.model, snapshot.id, path);
  if (!file) return fail(from_store_error(file.error()));
  auto opened = store_.open_pinned(file->version);
  if (!opened) return fail(from_store_error(opened.error()));
  return OpenedSnapshotFile{std::move(*file), std::move(*opened)};
}

ModelResult<std::vector<store::SnapshotFile>> ModelRegistry::snapshot_files(
    std::string_view bucket, const store::SnapshotRecord& snapshot) {
  std::vector<store::SnapshotFile> out;
  store::SnapshotFileQuery q;
  q.limit = kFilePage;
  while (true) {
    auto page = store_.list_snapshot_files(bucket, snapshot.model, snapshot.id, q);
    if (!page) return fail(from_store_error(page.error()));
    const bool full = static_cast<int>(page->size()) == q.limit;
    if (!page->empty()) q.lower = page->back().path + std::string(1, '\0');
    for (auto& f : *page) out.push_back(std::move(f));
    if (!full) return out;
  }
}

ModelResult<store::ListPage> ModelRegistry::list_snapshot_folder(
    std::string_view bucket, const store::SnapshotRecord& snapshot, std::string_view folder,
    const store::ListQuery& q) {
  store::ListPage page;
  if (q.max_keys <= 0 || !q.prefix.starts_with(folder)) return page;
  const std::string prefix = q.prefix.substr(folder.size());
  // The marker in the folder's terms: before the folder lists everything,
  // past it nothing.
  std::string marker;
  if (q.marker.starts_with(folder)) {
    marker = q.marker.substr(folder.size());
  } else if (q.marker > folder) {
    return page;
  }
  std::string lower = prefix;
  if (!marker.empty()) {
    std::string after_marker = marker + std::string(1, '\0');
    if (after_marker > lower) lower = std::move(after_marker);
  }
  const std::string upper = after_all_starting_with(prefix);
  int count = 0;
  while (true) {
    store::SnapshotFileQuery fq{lower, upper, std::min(kFilePage, q.max_keys - count + 1)};
    auto files = store_.list_snapshot_files(bucket, snapshot.model, snapshot.id, fq);
    if (!files) return fail(from_store_error(files.error()));
    if (files->empty()) return page;
    bool seeked = false;
    for (auto& f : *files) {
      if (!q.delimiter.empty()) {
        const size_t at = f.path.find(q.delimiter, prefix.size());
        if (at != std::string::npos) {
          std::string common = f.path.substr(0, at + q.delimiter.size());
          lower = after_all_starting_with(common);
          seeked = true;
          if (!marker.empty() && common <= marker) break;
          if (count == q.max_keys) {
            page.truncated = true;
            return page;
          }
          page.common_prefixes.push_back(std::string(folder) + common);
          page.next_marker = page.common_prefixes.back();
          ++count;
          break;
        }
      }
      if (count == q.max_keys) {
        page.truncated = true;
        return page;
      }
      store::ObjectVersion v = std::move(f.version);
      v.key = std::string(folder) + f.path;
      v.segments.clear();
      page.next_marker = v.key;
      lower = f.path + std::string(1, '\0');
      page.objects.push_back(std::move(v));
      ++count;
    }
    if (!seeked && static_cast<int>(files->size()) < fq.limit) return page;
  }
}

}  // namespace moss::models
