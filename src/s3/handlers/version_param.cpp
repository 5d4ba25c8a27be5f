#include "s3/handlers/version_param.h"

#include "moss/store/version_id.h"
#include "s3/errors.h"
#include "s3/query_params.h"

namespace moss::s3 {

void check_version_id(std::string_view id, std::string_view argument_name) {
  if (store::is_valid_version_id(id)) return;
  throw S3Error(S3ErrorCode::kInvalidArgument, "Invalid version id specified")
      .with("ArgumentName", std::string(argument_name))
      .with("ArgumentValue", std::string(id));
}

std::string version_id_param(const QueryParams& query) {
  const std::string* id = find_param(query, "versionId");
  if (!id) return {};
  if (id->empty()) {
    throw S3Error(S3ErrorCode::kInvalidArgument, "Version id cannot be the empty string")
        .with("ArgumentName", "versionId")
        .with("ArgumentValue", "");
  }
  check_version_id(*id, "versionId");
  return *id;
}

}  // namespace moss::s3
