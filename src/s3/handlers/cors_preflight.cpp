// OPTIONS, the CORS preflight a browser sends (unsigned) before a cross-origin
// request. moss keeps no CORS configuration (?cors is not implemented), so it
// answers every preflight as S3 answers one to a bucket without CORS, and one
// without an Origin header as S3 does: 400, there is nothing to decide on.
#include "s3/errors.h"
#include "s3/handlers/handlers.h"

namespace moss::s3 {

awaitable<void> handle_cors_preflight(RequestContext& ctx) {
  if (!ctx.has_header("origin")) throw S3Error(S3ErrorCode::kBadRequest);
  throw S3Error(S3ErrorCode::kAccessForbidden)
      .with("Method", std::string(ctx.header("access-control-request-method")));
  co_return;
}

}  // namespace moss::s3
