// Fetching a missing Hub file from the upstream (hub_upstream_fetch.h).
#include "hub/hub_upstream_fetch.h"

#include "moss/hub_mirror/hub_mirror.h"
#include "moss/util/offload.h"
#include "s3/errors.h"

namespace moss::s3 {
namespace {

// The upstream's refusal as this server's Hub error: the same status and
// X-Error-Code, so clients branch as they would on the upstream's answer.
S3Error upstream_refusal(const hub_mirror::UpstreamError& error) {
  S3ErrorCode code = S3ErrorCode::kBadGateway;
  if (error.status == 404) {
    code = error.error_code == "RevisionNotFound" ? S3ErrorCode::kRevisionNotFound
           : error.error_code == "EntryNotFound"  ? S3ErrorCode::kEntryNotFound
                                                  : S3ErrorCode::kRepoNotFound;
  } else if (error.status == 401) {
    code = S3ErrorCode::kUnauthorized;
  } else if (error.status == 403) {
    code = S3ErrorCode::kAccessDenied;
  }
  S3Error out(code, error.message);
  if (!error.error_code.empty()) out.header("X-Error-Code", error.error_code);
  return out;
}

}  // namespace

bool may_fetch_from_upstream(const RequestContext& ctx) {
  return ctx.service.hub_mirror && !ctx.service.hub_mirror->settings().offline;
}

awaitable<void> fetch_from_upstream(RequestContext& ctx, const std::string& path) {
  hub_mirror::HubMirror& mirror = *ctx.service.hub_mirror;
  const hub_mirror::Requester who{ctx.auth.key.name, ctx.auth.key.access_key_id,
                                  std::string(ctx.ex.remote_address()), ctx.request_id};
  const std::string repo = ctx.hub.repo;
  const std::string revision = ctx.hub.revision;
  auto fetched = co_await offload(ctx.service.long_work_pool(),
                                  [&]() -> Result<std::string, hub_mirror::UpstreamError> {
                                    auto info = mirror.revision(repo, revision);
                                    if (!info) return fail(info.error());
                                    auto stored = mirror.fetch(*info, path, who);
                                    if (!stored) return fail(stored.error());
                                    return mirror.tag(*info, who);
                                  });
  if (!fetched) throw upstream_refusal(fetched.error());
}

}  // namespace moss::s3
