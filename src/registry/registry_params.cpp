#include "registry/registry_params.h"

#include "s3/errors.h"

namespace moss::s3 {

std::string required_param(const RequestContext& ctx, std::string_view name) {
  const std::string* value = ctx.param(name);
  if (!value || value->empty()) {
    throw S3Error(S3ErrorCode::kInvalidArgument,
                  "The query parameter " + std::string(name) + " is required.")
        .with("ArgumentName", std::string(name));
  }
  return *value;
}

}  // namespace moss::s3
