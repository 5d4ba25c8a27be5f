#include "hub/hub_tree.h"

#include <algorithm>
#include <set>

namespace moss::s3 {
namespace {

std::string folder_prefix(std::string_view folder) {
  return folder.empty() ? std::string() : std::string(folder) + "/";
}

}  // namespace

TreeListing list_tree(const std::vector<hub::HubFile>& files, std::string_view folder,
                      bool recursive) {
  TreeListing out;
  const std::string prefix = folder_prefix(folder);
  std::set<std::string> folders;
  bool any = folder.empty();
  for (const auto& file : files) {
    if (!folder.empty() && file.path == folder) {
      out.lookup = TreeLookup::kIsAFile;
      return out;
    }
    if (!file.path.starts_with(prefix)) continue;
    any = true;
    const std::string_view rest = std::string_view(file.path).substr(prefix.size());
    size_t slash = rest.find('/');
    if (!recursive) {
      if (slash == std::string_view::npos) {
        out.entries.push_back({file.path, &file});
      } else {
        folders.insert(prefix + std::string(rest.substr(0, slash)));
      }
      continue;
    }
    while (slash != std::string_view::npos) {
      folders.insert(prefix + std::string(rest.substr(0, slash)));
      slash = rest.find('/', slash + 1);
    }
    out.entries.push_back({file.path, &file});
  }
  if (!any) {
    out.lookup = TreeLookup::kNotFound;
    return out;
  }
  for (const auto& path : folders) out.entries.push_back({path, nullptr});
  std::sort(out.entries.begin(), out.entries.end(),
            [](const TreeEntry& a, const TreeEntry& b) { return a.path < b.path; });
  return out;
}

std::vector<hub::HubFile> files_under(const std::vector<hub::HubFile>& files,
                                      std::string_view folder) {
  const std::string prefix = folder_prefix(folder);
  std::vector<hub::HubFile> out;
  for (const auto& file : files) {
    if (file.path.starts_with(prefix)) out.push_back(file);
  }
  return out;
}

bool is_folder(const std::vector<hub::HubFile>& files, std::string_view path) {
  if (path.empty()) return false;
  const std::string prefix = folder_prefix(path);
  return std::any_of(files.begin(), files.end(),
                     [&](const hub::HubFile& f) { return f.path.starts_with(prefix); });
}

}  // namespace moss::s3
