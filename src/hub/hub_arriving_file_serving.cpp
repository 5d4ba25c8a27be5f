// A Hub file served while it arrives from the upstream (hub_arriving_file_serving.h).
#include "hub/hub_arriving_file_serving.h"

#include <boost/asio/this_coro.hpp>

#include "hub/hub_arrival_poll.h"
#include "hub/hub_upstream_fetch.h"
#include "s3/errors.h"
#include "s3/handlers/range.h"

namespace moss::s3 {

using State = hub_mirror::ArrivingFile::State;

awaitable<void> serve_arriving_file(RequestContext& ctx, const hub_mirror::ArrivingFile& arriving) {
  const hub_mirror::UpstreamFile& file = arriving.file();
  const uint64_t size = file.size;
  auto decision = evaluate_range(ctx.header("range"), size);
  if (decision.kind == RangeDecision::kUnsatisfiable) {
    throw S3Error(S3ErrorCode::kInvalidRange)
        .with("RangeRequested", std::string(ctx.header("range")))
        .with("ActualObjectSize", std::to_string(size))
        .header("Content-Range", "bytes */" + std::to_string(size));
  }
  ByteRange range{0, size ? size - 1 : 0};
  auto head = ctx.response_head(http::status::ok);
  if (decision.kind == RangeDecision::kPartial) {
    range = decision.range;
    head.result(http::status::partial_content);
    head.set(http::field::content_range, "bytes " + std::to_string(range.first) + "-" +
                                             std::to_string(range.last) + "/" +
                                             std::to_string(size));
  }
  const uint64_t length = size == 0 ? 0 : range.length();
  head.set(http::field::content_type, "application/octet-stream");
  head.set(http::field::accept_ranges, "bytes");
  head.set(http::field::etag, "\"" + file.lfs_sha256 + "\"");
  head.set("X-Repo-Commit", arriving.commit());
  head.set("X-Linked-Etag", "\"" + file.lfs_sha256 + "\"");
  head.set("X-Linked-Size", std::to_string(size));
  head.set(http::field::content_length, std::to_string(length));
  ctx.audit.tag_chain = {"hf://" + ctx.hub.repo + "@" + ctx.hub.revision, arriving.commit()};
  ctx.audit.sha256 = file.lfs_sha256;
  ctx.audit.object_served = true;
  // The head waits for the upstream's first byte: an upstream that refuses
  // the file (gated, gone) is answered with its own status, not a cut 200.
  ArrivalPoll poll(co_await boost::asio::this_coro::executor);
  while (arriving.arrived() == 0 && arriving.state() == State::kArriving) co_await poll.wait();
  if (arriving.state() == State::kFailed) throw upstream_refusal(arriving.outcome().error());
  co_await ctx.ex.send_head(std::move(head));
  if (ctx.request().method() == http::verb::head || length == 0) co_return;

  uint64_t next = range.first;
  const uint64_t end = range.last + 1;
  while (next < end) {
    const State state = arriving.state();
    if (state == State::kFailed) {
      // Closing the connection before Content-Length bytes is the only way
      // left to say so; the transfer logged and counted the failure.
      throw S3Error(S3ErrorCode::kBadGateway,
                    "the upstream transfer of " + file.path + " failed after " +
                        std::to_string(next - range.first) +
                        " bytes of the answer: " + arriving.outcome().error().message);
    }
    // Until the file is verified its last byte stays back: a client that has
    // every byte has a verified file.
    const uint64_t ready = state == State::kStored ? size : std::min(arriving.arrived(), size - 1);
    if (ready > next) {
      const uint64_t until = std::min(ready, end);
      co_await ctx.ex.send_file(arriving.fd(), next, until - next);
      next = until;
      continue;
    }
    co_await poll.wait();
  }
}

}  // namespace moss::s3
