// Fetching a missing Hub file from the upstream (hub_upstream_fetch.h).
#include "hub/hub_upstream_fetch.h"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

#include "hub/hub_arrival_poll.h"
#include "moss/hub_mirror/hub_mirror.h"
#include "moss/util/offload.h"
#include "s3/errors.h"

namespace moss::s3 {

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

bool may_fetch_from_upstream(const RequestContext& ctx) {
  return ctx.service.hub_mirror && !ctx.service.hub_mirror->settings().offline;
}

awaitable<std::shared_ptr<hub_mirror::ArrivingFile>> fetch_from_upstream(RequestContext& ctx,
                                                                         const std::string& path) {
  hub_mirror::HubMirror& mirror = *ctx.service.hub_mirror;
  const hub_mirror::Requester who{ctx.auth.key.name, ctx.auth.key.access_key_id,
                                  std::string(ctx.ex.remote_address()), ctx.request_id};
  const std::string repo = ctx.hub.repo;
  const std::string revision = ctx.hub.revision;
  using Started = Result<std::shared_ptr<hub_mirror::ArrivingFile>, hub_mirror::UpstreamError>;
  auto started = co_await offload(ctx.service.long_work_pool(), [&]() -> Started {
    auto info = mirror.revision(repo, revision);
    if (!info) return fail(info.error());
    auto start = mirror.start_fetch(*info, path, who, true);
    if (!start) return fail(start.error());
    if (start->arriving) return start->arriving;
    // Stored already (by `moss mirror`, or a request a moment ago): the
    // revision's tags may not name the snapshot holding it yet.
    auto tagged = mirror.tag(*info, who);
    if (!tagged) return fail(tagged.error());
    return std::shared_ptr<hub_mirror::ArrivingFile>();
  });
  if (!started) throw upstream_refusal(started.error());
  co_return std::move(*started);
}

awaitable<void> wait_until_stored(const hub_mirror::ArrivingFile& arriving) {
  ArrivalPoll poll(co_await boost::asio::this_coro::executor);
  while (arriving.state() == hub_mirror::ArrivingFile::State::kArriving) co_await poll.wait();
  if (arriving.state() == hub_mirror::ArrivingFile::State::kFailed) {
    throw upstream_refusal(arriving.outcome().error());
  }
}

}  // namespace moss::s3
