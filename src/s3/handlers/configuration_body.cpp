#include "s3/handlers/configuration_body.h"

#include "moss/util/digest.h"
#include "s3/errors.h"
#include "s3/payload/checksum_headers.h"
#include "s3/payload/payload_reader.h"

namespace moss::s3 {

awaitable<std::string> read_configuration_body(RequestContext& ctx, bool checksum_required) {
  auto checksum = parse_checksum_request(ctx.request());
  if (checksum_required && !checksum.content_md5 && !checksum.algorithm) {
    throw S3Error(S3ErrorCode::kInvalidRequest,
                  "Missing required header for this request: Content-MD5");
  }
  PayloadReader body(ctx.ex, ctx.auth);
  std::string xml = co_await body.read_all(kMaxConfigurationBodyBytes);
  std::map<DigestAlgorithm, std::string> digests;
  if (checksum.algorithm) digests[*checksum.algorithm] = digest(*checksum.algorithm, xml);
  verify_checksums(checksum, digest(DigestAlgorithm::kMd5, xml), digests, body.trailers());
  co_return xml;
}

}  // namespace moss::s3
