// Hub mirroring through the registry API (hub_mirror_handlers.h). The
// upstream's refusals reach the client with the upstream's status and its
// X-Error-Code / X-Error-Message; an upstream that cannot be reached is 502.
#include "registry/hub_mirror_handlers.h"

#include <nlohmann/json.hpp>

#include "moss/hub_mirror/hub_mirror.h"
#include "moss/util/offload.h"
#include "registry/json_responses.h"
#include "registry/registry_params.h"
#include "s3/authorization.h"
#include "s3/errors.h"

namespace moss::s3 {
namespace {

hub_mirror::HubMirror& mirror(RequestContext& ctx) {
  if (!ctx.service.hub_mirror) {
    throw S3Error(S3ErrorCode::kInvalidRequest,
                  "This server mirrors no Hub (start it with moss serve --hf-upstream URL).");
  }
  return *ctx.service.hub_mirror;
}

// The repo and revision asked for, once the key may mirror into the repo's path.
struct RepoRevision {
  std::string repo;
  std::string revision;
};

RepoRevision repo_to_mirror(RequestContext& ctx, const hub_mirror::HubMirror& m) {
  RepoRevision r{required_param(ctx, "repo"), "main"};
  if (const std::string* rev = ctx.param("revision"); rev && !rev->empty()) r.revision = *rev;
  if (r.repo.find("..") != std::string::npos || r.repo.front() == '/' || r.repo.back() == '/') {
    throw S3Error(S3ErrorCode::kInvalidArgument, "repo must read ORG/NAME.")
        .with("ArgumentName", "repo")
        .with("ArgumentValue", r.repo);
  }
  const std::string& bucket = m.settings().bucket;
  ctx.audit.bucket = bucket;
  ctx.audit.key = r.repo + "/";
  if (!is_authorized(ctx, "moss:MirrorModel", bucket, r.repo + "/")) {
    authorize(ctx, "s3:PutObject", bucket, r.repo + "/");
  }
  return r;
}

hub_mirror::Requester requester(const RequestContext& ctx) {
  return {ctx.auth.key.name, ctx.auth.key.access_key_id, std::string(ctx.ex.remote_address()),
          ctx.request_id};
}

// The upstream's answer, passed on.
awaitable<void> send_upstream_error(RequestContext& ctx, const hub_mirror::UpstreamError& error) {
  const int status = error.status ? error.status : 502;
  auto head = ctx.response_head(static_cast<http::status>(status));
  if (!error.error_code.empty()) head.set("X-Error-Code", error.error_code);
  head.set("X-Error-Message", error.message);
  const std::string code = error.error_code.empty()
                               ? (error.status ? "UpstreamError" : "UpstreamUnavailable")
                               : error.error_code;
  nlohmann::json body;
  body["error"]["code"] = code;
  body["error"]["message"] = error.message;
  body["error"]["request_id"] = ctx.request_id;
  co_await send_json(ctx, std::move(head), body);
}

nlohmann::json version_json(const store::ObjectVersion& v) {
  return {{"key", v.key}, {"size", v.size}, {"sha256", v.content_sha256},
          {"version_id", v.version_id}};
}

}  // namespace

awaitable<void> handle_hub_mirror_revision(RequestContext& ctx) {
  auto& m = mirror(ctx);
  const RepoRevision target = repo_to_mirror(ctx, m);
  auto answer = co_await offload(ctx.service.long_work_pool(), [&] {
    auto info = m.revision(target.repo, target.revision);
    using Files = std::vector<hub_mirror::MirroredFile>;
    return std::make_pair(info, info ? m.files(*info) : Files{});
  });
  if (!answer.first) {
    co_await send_upstream_error(ctx, answer.first.error());
    co_return;
  }
  const auto& info = *answer.first;
  nlohmann::json files = nlohmann::json::array();
  for (const auto& f : answer.second) {
    nlohmann::json entry;
    entry["path"] = f.file.path;
    entry["size"] = f.file.size;
    entry["lfs_sha256"] = f.file.lfs_sha256;
    entry["key"] = f.key;
    entry["stored"] = f.stored.has_value();
    files.push_back(std::move(entry));
  }
  nlohmann::json doc;
  doc["repo"] = info.repo;
  doc["revision"] = info.revision;
  doc["commit"] = info.commit;
  doc["bucket"] = m.settings().bucket;
  doc["files"] = std::move(files);
  co_await send_json(ctx, ctx.response_head(http::status::ok), doc);
}

awaitable<void> handle_hub_mirror_file(RequestContext& ctx) {
  auto& m = mirror(ctx);
  const RepoRevision target = repo_to_mirror(ctx, m);
  const std::string path = required_param(ctx, "path");
  const hub_mirror::Requester who = requester(ctx);
  auto stored = co_await offload(ctx.service.long_work_pool(), [&]()
                                     -> Result<store::ObjectVersion, hub_mirror::UpstreamError> {
    auto info = m.revision(target.repo, target.revision);
    if (!info) return fail(info.error());
    return m.fetch(*info, path, who);
  });
  if (!stored) {
    co_await send_upstream_error(ctx, stored.error());
    co_return;
  }
  const nlohmann::json doc = version_json(*stored);
  co_await send_json(ctx, ctx.response_head(http::status::ok), doc);
}

awaitable<void> handle_hub_mirror_tags(RequestContext& ctx) {
  auto& m = mirror(ctx);
  const RepoRevision target = repo_to_mirror(ctx, m);
  const hub_mirror::Requester who = requester(ctx);
  std::string commit;
  auto snapshot = co_await offload(ctx.service.long_work_pool(), [&]()
                                       -> Result<std::string, hub_mirror::UpstreamError> {
    auto info = m.revision(target.repo, target.revision);
    if (!info) return fail(info.error());
    commit = info->commit;
    return m.tag(*info, who);
  });
  if (!snapshot) {
    co_await send_upstream_error(ctx, snapshot.error());
    co_return;
  }
  nlohmann::json doc;
  doc["repo"] = target.repo;
  doc["revision"] = target.revision;
  doc["commit"] = commit;
  doc["snapshot"] = *snapshot;
  co_await send_json(ctx, ctx.response_head(http::status::ok), doc);
}

}  // namespace moss::s3
