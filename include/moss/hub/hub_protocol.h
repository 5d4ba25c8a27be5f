// The Hugging Face Hub's read protocol as moss speaks it (docs/huggingface.md),
// the pieces both sides of it need: how a request path names a repository,
// revision and file; the commit id of a revision; and the JSON shapes the Hub's
// clients read (tree entries, siblings of a model info, refs). The server's
// handlers (src/hub/) render with these, and a client of the Hub (a mirror)
// can parse with them, so both agree byte for byte.
//
// A repository is a model path of the Hub's bucket ("meta-llama/Llama-3-8B"),
// a revision one of its tags (a branch), "main" and "HEAD" the default tag,
// and a 40-hex revision a commit: the short form of a snapshot identity
// (models/snapshot.h), so it never changes for the same bytes.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace moss::hub {

// What a Hub request path asks for.
enum class HubEndpoint {
  kResolve,      // /{repo}/resolve/{revision}/{path} (and /raw/: the same bytes)
  kModelInfo,    // /api/models/{repo}[/revision/{revision}]
  kTree,         // /api/models/{repo}/tree/{revision}[/{path}]
  kPathsInfo,    // /api/models/{repo}/paths-info/{revision}
  kRefs,         // /api/models/{repo}/refs
  kManifest,     // /v2/{user}/{model}/manifests/{tag}: llama.cpp's "repo:quant" lookup
  kUnsupported,  // /api/datasets/..., /api/spaces/..., /datasets/..., other /api/ paths
};

struct HubPath {
  HubEndpoint endpoint = HubEndpoint::kUnsupported;
  std::string repo;      // "meta-llama/Llama-3-8B" (one or two segments, decoded)
  std::string revision;  // decoded; empty where the path names none (model info: HEAD)
  std::string path;      // a file or folder in the revision, decoded; may be empty
};

// The Hub request `raw_path` (as sent: percent-encoded, no query) names, or
// nullopt when it has no Hub shape. A repository id is one or two segments,
// as on the Hub: the segment after it names the endpoint.
std::optional<HubPath> parse_hub_path(std::string_view raw_path);

// A revision's name for the default tag: "main" and "HEAD".
bool is_default_revision_alias(std::string_view revision);
// Whether `revision` is a commit id: 40 lowercase hex digits.
bool is_commit_id(std::string_view revision);

// One file of a revision.
struct HubFile {
  std::string path;  // "model-00001-of-00002.safetensors", "tokenizer/vocab.json"
  uint64_t size = 0;
  std::string sha256;  // lowercase hex; empty for a mirrored upstream's git file not yet stored
  // A mirror lists an upstream revision as the upstream states it
  // (docs/hub-mirror.md): a small file kept in git rather than LFS has no LFS
  // fields, and its oid is the git blob id the upstream gives (blob_id).
  // Files moss holds are shown as LFS files (lfs_pointer_oid).
  bool lfs = true;
  std::string blob_id;  // the upstream's git object id, when it gave one
};

// The GGUF file of `files` that llama.cpp's manifest for `quant` names: the
// first .gguf (first part of a split file) whose name holds `quant`
// (case-insensitive); for "latest" or "", one holding Q4_K_M, else the first.
const HubFile* gguf_for_quant(const std::vector<HubFile>& files, std::string_view quant);

// The commit id of a revision holding `files`: the first 40 hex digits of the
// snapshot identity of its (path, sha256) list.
std::string commit_id(const std::vector<HubFile>& files);

// The git object id the Hub gives a file stored with Git LFS: the SHA-1 of
// the git blob of its LFS pointer. Every moss file is shown as an LFS file,
// so a client keys its cache by the SHA-256 the Hub's headers carry too.
std::string lfs_pointer_oid(const HubFile& file);
// An id for a folder: SHA-1 over its entries' paths and ids (not git's tree
// hash; it changes exactly when the folder's content does).
std::string folder_oid(std::string_view path, const std::vector<HubFile>& files_under);

// Tree and paths-info entries.
nlohmann::json file_entry(const HubFile& file);
nlohmann::json folder_entry(std::string_view path, std::string_view oid);
// A sibling of a model info: {"rfilename"}, with `blobs` also size and lfs.
nlohmann::json sibling(const HubFile& file, bool blobs);
// A file entry (tree, paths-info) or a sibling read back: nullopt when it is
// no file or lacks a path, size or SHA-256 (lfs.oid, lfs.sha256).
std::optional<HubFile> parse_file_entry(const nlohmann::json& entry);

// The error codes Hub clients branch on (the X-Error-Code header).
inline constexpr std::string_view kRepoNotFound = "RepoNotFound";
inline constexpr std::string_view kRevisionNotFound = "RevisionNotFound";
inline constexpr std::string_view kEntryNotFound = "EntryNotFound";

}  // namespace moss::hub
