#include "moss/hub/hub_protocol.h"

#include <array>
#include <nlohmann/json.hpp>

#include "moss/models/snapshot.h"
#include "moss/util/ascii.h"
#include "moss/util/digest.h"
#include "moss/util/hex.h"
#include "moss/util/uri.h"

namespace moss::hub {
namespace {

// The words that follow a repository id under /api/models/.
constexpr std::array kApiEndpoints = {"revision", "tree", "paths-info", "refs"};

bool is_api_endpoint(std::string_view segment) {
  for (const char* word : kApiEndpoints) {
    if (segment == word) return true;
  }
  return false;
}

bool is_file_endpoint(std::string_view segment) { return segment == "resolve" || segment == "raw"; }

// The segments of a path as sent, each percent-decoded; nullopt when one does
// not decode. "/a/b/" is {"a", "b", ""}.
std::optional<std::vector<std::string>> decoded_segments(std::string_view raw_path) {
  if (!raw_path.starts_with('/')) return std::nullopt;
  raw_path.remove_prefix(1);
  std::vector<std::string> out;
  while (true) {
    const size_t slash = raw_path.find('/');
    auto segment = percent_decode(raw_path.substr(0, slash));
    if (!segment) return std::nullopt;
    out.push_back(std::move(*segment));
    if (slash == std::string_view::npos) break;
    raw_path.remove_prefix(slash + 1);
  }
  return out;
}

// False when `raw_path` cannot have a Hub shape, decided on the bytes as sent
// without allocating: every request to the Hub's bucket asks, S3 reads of its
// objects included. True only means "parse it": a segment with a '%' escape
// is left to the parser, which compares it decoded.
bool may_have_hub_shape(std::string_view raw_path) {
  if (!raw_path.starts_with('/')) return false;
  raw_path.remove_prefix(1);
  std::array<std::string_view, 3> first;
  size_t count = 0;
  while (count < first.size()) {
    const size_t slash = raw_path.find('/');
    first[count++] = raw_path.substr(0, slash);
    if (slash == std::string_view::npos) break;
    raw_path.remove_prefix(slash + 1);
  }
  for (size_t i = 0; i < count; ++i) {
    if (first[i].find('%') != std::string_view::npos) return true;
  }
  if (first[0] == "api" || first[0] == "v2" || first[0] == "datasets" || first[0] == "spaces") {
    return true;
  }
  // A file: the endpoint word after a one- or two-segment repository id.
  return (count > 1 && is_file_endpoint(first[1])) || (count > 2 && is_file_endpoint(first[2]));
}

std::string join(const std::vector<std::string>& segments, size_t from) {
  std::string out;
  for (size_t i = from; i < segments.size(); ++i) {
    if (i > from) out += '/';
    out += segments[i];
  }
  return out;
}

std::optional<HubPath> parse_api_models_path(const std::vector<std::string>& s) {
  // s: {"api", "models", <repo: one or two segments>, [endpoint, ...]}
  HubPath out;
  if (s.size() < 3 || s[2].empty()) {
    out.endpoint = HubEndpoint::kUnsupported;  // listing or searching models
    return out;
  }
  size_t next = 3;
  out.repo = s[2];
  if (s.size() > 3 && !is_api_endpoint(s[3])) {
    out.repo += '/' + s[3];
    next = 4;
  }
  if (out.repo.ends_with('/')) return std::nullopt;
  if (next == s.size()) {
    out.endpoint = HubEndpoint::kModelInfo;
    return out;
  }
  const std::string& word = s[next];
  const bool has_revision = next + 1 < s.size() && !s[next + 1].empty();
  if (word == "revision" && has_revision) {
    out.endpoint = HubEndpoint::kModelInfo;
    out.revision = join(s, next + 1);
  } else if (word == "tree" && has_revision) {
    out.endpoint = HubEndpoint::kTree;
    out.revision = s[next + 1];
    out.path = join(s, next + 2);
    while (out.path.ends_with('/')) out.path.pop_back();
  } else if (word == "paths-info" && has_revision) {
    out.endpoint = HubEndpoint::kPathsInfo;
    out.revision = join(s, next + 1);
  } else if (word == "refs" && next + 1 == s.size()) {
    out.endpoint = HubEndpoint::kRefs;
  } else {
    out.endpoint = HubEndpoint::kUnsupported;
  }
  return out;
}

std::optional<HubPath> parse_file_path(const std::vector<std::string>& s, size_t repo_segments) {
  const size_t word = repo_segments;
  if (s.size() < word + 3 || !is_file_endpoint(s[word]) || s[word + 1].empty()) return std::nullopt;
  HubPath out;
  out.endpoint = HubEndpoint::kResolve;
  out.repo = repo_segments == 1 ? s[0] : s[0] + '/' + s[1];
  out.revision = s[word + 1];
  out.path = join(s, word + 2);
  if (out.path.empty() || out.path.ends_with('/')) return std::nullopt;
  for (size_t i = 0; i < repo_segments; ++i) {
    if (s[i].empty()) return std::nullopt;
  }
  return out;
}

std::string sha1_hex(std::string_view data) { return to_hex(digest(DigestAlgorithm::kSha1, data)); }

std::string lfs_pointer(const HubFile& file) {
  return "version https://git-lfs.github.com/spec/v1\noid sha256:" + file.sha256 + "\nsize " +
         std::to_string(file.size) + "\n";
}

}  // namespace

std::optional<HubPath> parse_hub_path(std::string_view raw_path) {
  if (!may_have_hub_shape(raw_path)) return std::nullopt;
  auto segments = decoded_segments(raw_path);
  if (!segments || segments->empty()) return std::nullopt;
  const auto& s = *segments;
  if (s.size() == 5 && s[0] == "v2" && s[3] == "manifests" && !s[1].empty() && !s[2].empty() &&
      !s[4].empty()) {
    HubPath manifest;
    manifest.endpoint = HubEndpoint::kManifest;
    manifest.repo = s[1] + '/' + s[2];
    manifest.path = s[4];  // the quantization asked for ("Q4_K_M", "latest")
    return manifest;
  }
  if (s[0] == "api" && s.size() >= 2) {
    if (s[1] == "models") return parse_api_models_path(s);
    HubPath unsupported;  // datasets, spaces, whoami, ...
    return unsupported;
  }
  if ((s[0] == "datasets" || s[0] == "spaces") && s.size() >= 4) {
    HubPath unsupported;
    return unsupported;
  }
  if (auto one = parse_file_path(s, 1)) return one;
  return parse_file_path(s, 2);
}

const HubFile* gguf_for_quant(const std::vector<HubFile>& files, std::string_view quant) {
  auto is_first_gguf = [](const HubFile& f) {
    const std::string name = ascii_lowercase(f.path);
    if (!name.ends_with(".gguf")) return false;
    const size_t of = name.find("-of-");
    return of == std::string::npos || name.find("-00001-of-") != std::string::npos;
  };
  const std::string wanted = ascii_lowercase(quant);
  const bool any = wanted.empty() || wanted == "latest";
  const HubFile* first = nullptr;
  for (const auto& file : files) {
    if (!is_first_gguf(file)) continue;
    if (!first) first = &file;
    const std::string name = ascii_lowercase(file.path);
    if (name.find(any ? std::string("q4_k_m") : wanted) != std::string::npos) return &file;
  }
  return any ? first : nullptr;
}

bool is_default_revision_alias(std::string_view revision) {
  return revision == "main" || revision == "HEAD";
}

bool is_commit_id(std::string_view revision) {
  return revision.size() == models::kSnapshotShortIdHexDigits && is_lower_hex(revision);
}

std::string commit_id(const std::vector<HubFile>& files) {
  std::vector<models::SnapshotEntry> entries;
  entries.reserve(files.size());
  for (const auto& file : files) entries.push_back({file.path, file.sha256});
  return models::snapshot_short_id(models::snapshot_identity(std::move(entries)));
}

std::string lfs_pointer_oid(const HubFile& file) {
  const std::string pointer = lfs_pointer(file);
  std::string blob = "blob " + std::to_string(pointer.size());
  blob += '\0';
  blob += pointer;
  return sha1_hex(blob);
}

std::string folder_oid(std::string_view path, const std::vector<HubFile>& files_under) {
  std::string listing(path);
  listing += '\n';
  for (const auto& file : files_under) {
    listing += file.path;
    listing += '\0';
    listing += file.sha256.empty() ? file.blob_id : file.sha256;
    listing += '\n';
  }
  return sha1_hex(listing);
}

namespace {

// The git object id of the file: the upstream's when given, else that of the
// LFS pointer moss shows for it.
std::string git_oid(const HubFile& file) {
  return file.blob_id.empty() ? lfs_pointer_oid(file) : file.blob_id;
}

}  // namespace

nlohmann::json file_entry(const HubFile& file) {
  nlohmann::json out = {{"type", "file"}, {"oid", git_oid(file)}, {"size", file.size}};
  if (file.lfs) {
    out["lfs"] = {
        {"oid", file.sha256}, {"size", file.size}, {"pointerSize", lfs_pointer(file).size()}};
  }
  out["path"] = file.path;
  return out;
}

nlohmann::json folder_entry(std::string_view path, std::string_view oid) {
  return {{"type", "directory"}, {"oid", oid}, {"size", 0}, {"path", path}};
}

nlohmann::json sibling(const HubFile& file, bool blobs) {
  nlohmann::json out = {{"rfilename", file.path}};
  if (blobs) {
    out["size"] = file.size;
    out["blobId"] = git_oid(file);
    if (file.lfs) {
      out["lfs"] = {
          {"sha256", file.sha256}, {"size", file.size}, {"pointerSize", lfs_pointer(file).size()}};
    }
  }
  return out;
}

std::optional<HubFile> parse_file_entry(const nlohmann::json& entry) {
  if (!entry.is_object()) return std::nullopt;
  const nlohmann::json* path = nullptr;
  if (auto name = entry.find("rfilename"); name != entry.end()) {
    path = &*name;
  } else if (auto type = entry.find("type"); type != entry.end() && *type == "file") {
    if (auto it = entry.find("path"); it != entry.end()) path = &*it;
  }
  auto lfs = entry.find("lfs");
  if (!path || !path->is_string() || lfs == entry.end() || !lfs->is_object()) return std::nullopt;
  auto sha = lfs->find("oid");
  if (sha == lfs->end()) sha = lfs->find("sha256");
  if (sha == lfs->end() || !sha->is_string()) return std::nullopt;
  const nlohmann::json* size = nullptr;
  if (auto it = entry.find("size"); it != entry.end()) size = &*it;
  if (auto it = lfs->find("size"); !size && it != lfs->end()) size = &*it;
  if (!size || !size->is_number_unsigned()) return std::nullopt;
  const auto& path_text = path->get_ref<const std::string&>();
  const auto& sha_text = sha->get_ref<const std::string&>();
  if (path_text.empty() || sha_text.size() != 64 || !is_lower_hex(sha_text)) return std::nullopt;
  return HubFile{path_text, size->get<uint64_t>(), sha_text, true, {}};
}

}  // namespace moss::hub
