#include "hub/hub_handlers.h"

#include <nlohmann/json.hpp>
#include <set>

#include "hub/hub_arriving_file_serving.h"
#include "hub/hub_listed_revision.h"
#include "hub/hub_revision.h"
#include "hub/hub_tree.h"
#include "hub/hub_upstream_fetch.h"
#include "moss/models/model_registry.h"
#include "moss/models/tag_key.h"
#include "moss/util/ascii.h"
#include "moss/util/digest.h"
#include "moss/util/hex.h"
#include "moss/util/time_format.h"
#include "moss/util/uri.h"
#include "registry/json_responses.h"
#include "s3/authorization.h"
#include "s3/errors.h"
#include "s3/handlers/object_serving.h"
#include "s3/handlers/tag_requests.h"
#include "s3/model_errors.h"
#include "s3/payload/payload_reader.h"
#include "s3/store_errors.h"

namespace moss::s3 {
namespace {

constexpr std::string_view kRead = "s3:GetObject";
// A paths-info body: its paths and nothing else.
constexpr size_t kMaxPathsInfoBodyBytes = 1 << 20;
constexpr size_t kMaxPathsInfoPaths = 10000;
// A revision read through a tag that moved between resolving and opening is
// resolved once more.
constexpr int kOpenAttempts = 2;

// Asks for s3:GetObject on `key` (a folder key of the revision, or a file's
// under it), as the request's own key so that a public-read bucket serves
// anonymous Hub clients as it serves anonymous S3 reads.
void authorize_read(RequestContext& ctx, std::string key) {
  ctx.key = std::move(key);
  authorize(ctx, kRead, ctx.bucket, ctx.key);
}

std::string revision_key(RequestContext& ctx, std::string_view revision) {
  return hub_revision_key(ctx.config().hub, ctx.hub.repo, revision);
}

bool flag_param(const RequestContext& ctx, std::string_view name) {
  const std::string* value = ctx.param(name);
  if (!value) return false;
  const std::string lower = ascii_lowercase(*value);
  return lower == "true" || lower == "1";
}

const hub::HubFile* find_file(const HubRevision& rev, std::string_view path) {
  for (const auto& file : rev.files) {
    if (file.path == path) return &file;
  }
  return nullptr;
}

S3Error entry_not_found(const RequestContext& ctx, const HubRevision& rev, std::string_view path) {
  return S3Error(S3ErrorCode::kEntryNotFound, "Entry not found: " + std::string(path) + " in " +
                                                  ctx.hub.repo + " at " + rev.commit + ".")
      .header("X-Repo-Commit", rev.commit);
}

// The file's pinned blobs, or nullopt when they went away since the revision
// was resolved (its tag moved: resolve again).
std::optional<store::OpenedObject> open_file(RequestContext& ctx, const HubRevision& rev,
                                             const hub::HubFile& file) {
  if (rev.snapshot) {
    auto opened = ctx.registry().open_snapshot_file(ctx.bucket, *rev.snapshot, file.path);
    if (opened) return std::move(opened->opened);
    if (opened.error().code != models::ModelErrc::kNoSuchKey) throw to_s3_error(opened.error());
    return std::nullopt;
  }
  auto opened = ctx.store().open_pinned(rev.file);
  if (opened) return std::move(*opened);
  if (opened.error().code != store::StoreErrc::kNoSuchKey) throw to_s3_error(opened.error());
  return std::nullopt;
}

// A stable 24-hex id like the Hub's "_id", from the bucket and repository.
std::string repo_object_id(std::string_view bucket, std::string_view repo) {
  return sha256_hex(std::string(bucket) + "/" + std::string(repo)).substr(0, 24);
}

bool is_private(RequestContext& ctx) {
  auto bucket = ctx.store().get_bucket(ctx.bucket);
  return !bucket || !bucket->public_read;
}

// The Link URL of the next page: this request's path and parameters, with
// `cursor` the last path of this page.
std::string next_page_link(const RequestContext& ctx, std::string_view last_path) {
  std::string url = ctx.ex.secure() ? "https://" : "http://";
  const std::string_view host = ctx.header("host");
  url += host.empty() ? std::string_view("localhost") : host;
  url += ctx.raw_path;
  url += "?recursive=" + std::string(flag_param(ctx, "recursive") ? "true" : "false");
  url += "&expand=" + std::string(flag_param(ctx, "expand") ? "true" : "false");
  url += "&cursor=" + aws_uri_encode(last_path, true);
  return "<" + url + ">; rel=\"next\"";
}

nlohmann::json entry_json(const std::vector<hub::HubFile>& files, const TreeEntry& entry) {
  if (entry.file) return hub::file_entry(*entry.file);
  return hub::folder_entry(entry.path, hub::folder_oid(entry.path, files_under(files, entry.path)));
}

struct PathsInfoRequest {
  std::vector<std::string> paths;
  bool expand = false;
};

bool is_true(const nlohmann::json& value) {
  if (value.is_boolean()) return value.get<bool>();
  if (value.is_string()) {
    const std::string lower = ascii_lowercase(value.get<std::string>());
    return lower == "true" || lower == "1";
  }
  return false;
}

S3Error bad_paths_info(std::string message) {
  return S3Error(S3ErrorCode::kInvalidArgument, std::move(message));
}

PathsInfoRequest parse_paths_info(std::string_view content_type, std::string_view body) {
  PathsInfoRequest out;
  if (ascii_lowercase(content_type).starts_with("application/json")) {
    auto doc = nlohmann::json::parse(body, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) {
      throw bad_paths_info("The body is not a JSON object {\"paths\": [...]}.");
    }
    if (auto paths = doc.find("paths"); paths != doc.end()) {
      if (paths->is_string()) {
        out.paths.push_back(paths->get<std::string>());
      } else if (paths->is_array()) {
        for (const auto& path : *paths) {
          if (!path.is_string()) throw bad_paths_info("\"paths\" holds a value that is no string.");
          out.paths.push_back(path.get<std::string>());
        }
      } else {
        throw bad_paths_info("\"paths\" is neither a string nor a list of strings.");
      }
    }
    if (auto expand = doc.find("expand"); expand != doc.end()) out.expand = is_true(*expand);
  } else {
    // application/x-www-form-urlencoded: paths=a&paths=b&expand=True
    size_t start = 0;
    while (start <= body.size()) {
      size_t amp = body.find('&', start);
      if (amp == std::string_view::npos) amp = body.size();
      const std::string_view pair = body.substr(start, amp - start);
      start = amp + 1;
      if (pair.empty()) continue;
      const size_t eq = pair.find('=');
      auto name = form_decode(pair.substr(0, eq));
      auto value = form_decode(eq == std::string_view::npos ? "" : pair.substr(eq + 1));
      if (!name || !value) throw bad_paths_info("The form body is not validly encoded.");
      if (*name == "paths") out.paths.push_back(std::move(*value));
      if (*name == "expand") out.expand = is_true(*value);
    }
  }
  if (out.paths.size() > kMaxPathsInfoPaths) {
    throw bad_paths_info("At most " + std::to_string(kMaxPathsInfoPaths) + " paths per request.");
  }
  return out;
}

}  // namespace

awaitable<void> handle_hub_file(RequestContext& ctx) {
  const std::string path = ctx.hub.path;
  authorize_read(ctx, revision_key(ctx, ctx.hub.revision) + "/" + path);
  // A repo, revision or file this server lacks is fetched once from the Hub
  // it mirrors (docs/hub-mirror.md), then served from the store.
  bool fetched = !may_fetch_from_upstream(ctx);
  for (int attempt = 1; attempt <= kOpenAttempts + 1; ++attempt) {
    std::optional<HubRevision> resolved;
    try {
      resolved = resolve_hub_revision(ctx, ctx.hub.revision);
    } catch (const S3Error& e) {
      const bool missing = e.code() == S3ErrorCode::kRepoNotFound ||
                           e.code() == S3ErrorCode::kRevisionNotFound;
      if (!missing || fetched) throw;
    }
    if (!resolved || !find_file(*resolved, path)) {
      if (!fetched) {
        fetched = true;
        auto arriving = co_await fetch_from_upstream(ctx, path);
        if (arriving && !arriving->file().lfs_sha256.empty()) {
          // A large file: its bytes go on to the client as they arrive.
          co_await serve_arriving_file(ctx, *arriving);
          co_return;
        }
        // A small git file, whose SHA-256 (its ETag) is known once stored.
        if (arriving) co_await wait_until_stored(*arriving);
        continue;
      }
    }
    HubRevision& rev = *resolved;
    const hub::HubFile* file = find_file(rev, path);
    if (!file) throw entry_not_found(ctx, rev, path);
    auto opened = open_file(ctx, rev, *file);
    if (!opened) {
      if (attempt < kOpenAttempts && !rev.tag.empty()) continue;
      throw entry_not_found(ctx, rev, path);
    }
    ctx.audit.tag_chain = rev.chain;
    ctx.audit.resolved_key = opened->version.key;
    ctx.audit.version_id = opened->version.version_id;
    ctx.audit.sha256 = file->sha256;
    auto head = ctx.response_head(http::status::ok);
    head.set("X-Repo-Commit", rev.commit);
    head.set("X-Linked-Etag", "\"" + file->sha256 + "\"");
    head.set("X-Linked-Size", std::to_string(file->size));
    co_await serve_object(ctx, *opened, std::move(head), file->sha256);
    co_return;
  }
}

awaitable<void> handle_hub_model_info(RequestContext& ctx) {
  authorize_read(ctx, revision_key(ctx, ctx.hub.revision));
  HubRevision rev = co_await listed_hub_revision(ctx, ctx.hub.revision);
  const bool blobs = flag_param(ctx, "blobs");
  nlohmann::json siblings = nlohmann::json::array();
  uint64_t total = 0;
  for (const auto& file : rev.files) {
    siblings.push_back(hub::sibling(file, blobs));
    total += file.size;
  }
  const std::string& repo = ctx.hub.repo;
  const size_t slash = repo.find('/');
  nlohmann::json doc = {
      {"_id", repo_object_id(ctx.bucket, repo)},
      {"id", repo},
      {"modelId", repo},
      {"sha", rev.commit},
      {"lastModified", format_iso8601(rev.modified_ns)},
      {"private", is_private(ctx)},
      {"disabled", false},
      {"gated", false},
      {"downloads", 0},
      {"likes", 0},
      {"tags", nlohmann::json::array()},
      {"siblings", std::move(siblings)},
      {"usedStorage", total},
  };
  if (slash != std::string::npos) doc["author"] = repo.substr(0, slash);
  co_await send_json(ctx, ctx.response_head(http::status::ok), doc);
}

awaitable<void> handle_hub_tree(RequestContext& ctx) {
  authorize_read(ctx, revision_key(ctx, ctx.hub.revision));
  HubRevision rev = co_await listed_hub_revision(ctx, ctx.hub.revision);
  TreeListing listing = list_tree(rev.files, ctx.hub.path, flag_param(ctx, "recursive"));
  if (listing.lookup == TreeLookup::kNotFound) throw entry_not_found(ctx, rev, ctx.hub.path);
  if (listing.lookup == TreeLookup::kIsAFile) {
    throw S3Error(S3ErrorCode::kEntryNotFound, ctx.hub.path + " is a file, not a folder.")
        .header("X-Repo-Commit", rev.commit);
  }
  const std::string* cursor = ctx.param("cursor");
  auto it = listing.entries.begin();
  if (cursor) {
    it = std::upper_bound(listing.entries.begin(), listing.entries.end(), *cursor,
                          [](const std::string& c, const TreeEntry& e) { return c < e.path; });
  }
  const size_t page_size = std::max<size_t>(ctx.config().hub.tree_page_size, 1);
  nlohmann::json page = nlohmann::json::array();
  size_t count = 0;
  for (; it != listing.entries.end() && count < page_size; ++it, ++count) {
    page.push_back(entry_json(rev.files, *it));
  }
  auto head = ctx.response_head(http::status::ok);
  head.set("X-Repo-Commit", rev.commit);
  if (it != listing.entries.end()) {
    head.set(http::field::link, next_page_link(ctx, std::prev(it)->path));
  }
  co_await send_json(ctx, std::move(head), page);
}

awaitable<void> handle_hub_paths_info(RequestContext& ctx) {
  authorize_read(ctx, revision_key(ctx, ctx.hub.revision));
  PayloadReader body(ctx.ex, ctx.auth);
  if (body.declared_size() && *body.declared_size() > kMaxPathsInfoBodyBytes) {
    throw bad_paths_info("A paths-info body is at most 1 MiB.");
  }
  const std::string text = co_await body.read_all(kMaxPathsInfoBodyBytes);
  const PathsInfoRequest request = parse_paths_info(ctx.header("content-type"), text);
  HubRevision rev = co_await listed_hub_revision(ctx, ctx.hub.revision);
  nlohmann::json out = nlohmann::json::array();
  std::set<std::string> seen;
  for (std::string path : request.paths) {
    while (path.ends_with('/')) path.pop_back();
    if (!seen.insert(path).second) continue;
    if (const hub::HubFile* file = find_file(rev, path)) {
      out.push_back(hub::file_entry(*file));
    } else if (is_folder(rev.files, path)) {
      out.push_back(hub::folder_entry(path, hub::folder_oid(path, files_under(rev.files, path))));
    }
  }
  auto head = ctx.response_head(http::status::ok);
  head.set("X-Repo-Commit", rev.commit);
  co_await send_json(ctx, std::move(head), out);
}

awaitable<void> handle_hub_gguf_manifest(RequestContext& ctx) {
  authorize_read(ctx, revision_key(ctx, "main"));
  HubRevision rev = resolve_hub_revision(ctx, "main");
  const hub::HubFile* file = hub::gguf_for_quant(rev.files, ctx.hub.path);
  if (!file) {
    throw S3Error(S3ErrorCode::kEntryNotFound, "No GGUF file for \"" + ctx.hub.path + "\" in " +
                                                   ctx.hub.repo + " at " + rev.commit + ".");
  }
  nlohmann::json doc = {
      {"ggufFile",
       {{"rfilename", file->path}, {"size", file->size}, {"blobId", "sha256:" + file->sha256}}}};
  auto head = ctx.response_head(http::status::ok);
  head.set("X-Repo-Commit", rev.commit);
  co_await send_json(ctx, std::move(head), doc);
}

awaitable<void> handle_hub_refs(RequestContext& ctx) {
  store::TagListQuery q;
  q.model = ctx.hub.repo;
  q.limit = kMaxHubTags;
  auto tags = ctx.store().list_tags(ctx.bucket, q);
  if (!tags && tags.error().code != store::StoreErrc::kNoSuchBucket) {
    throw to_s3_error(tags.error());
  }
  nlohmann::json branches = nlohmann::json::array();
  const std::string& default_tag = ctx.config().hub.default_tag;
  bool any_readable = false;
  if (tags) {
    for (const auto& record : *tags) {
      ctx.key = revision_key(ctx, record.tag);
      if (!is_authorized(ctx, kRead, ctx.bucket, ctx.key)) continue;
      any_readable = true;
      HubRevision rev;
      try {
        rev = resolve_hub_revision(ctx, record.tag);
      } catch (const S3Error& e) {
        if (e.code() != S3ErrorCode::kRevisionNotFound) throw;
        continue;  // a tag that resolves to nothing now (a dangling chain)
      }
      auto branch = [&](const std::string& name) {
        return nlohmann::json{
            {"name", name}, {"ref", "refs/heads/" + name}, {"targetCommit", rev.commit}};
      };
      if (record.tag == default_tag) branches.push_back(branch("main"));
      branches.push_back(branch(record.tag));
    }
  }
  // Nothing readable: the answer for the default tag's key says why (401,
  // 403), and only then whether the repository exists at all.
  if (!any_readable) authorize_read(ctx, revision_key(ctx, default_tag));
  ctx.key = revision_key(ctx, default_tag);
  require_hub_repo(ctx);
  nlohmann::json doc = {{"branches", std::move(branches)},
                        {"converts", nlohmann::json::array()},
                        {"tags", nlohmann::json::array()}};
  if (flag_param(ctx, "include_prs")) doc["pullRequests"] = nlohmann::json::array();
  co_await send_json(ctx, ctx.response_head(http::status::ok), doc);
}

}  // namespace moss::s3
