#include "s3/model_routes.h"

#include <array>

#include "moss/models/tag_key.h"

namespace moss::s3 {

Operation route_tag_key(Operation op, std::string_view key, const QueryParams& query) {
  if (!models::parse_tag_key(key)) return op;
  switch (op) {
    case Operation::kPutObject:
      return Operation::kPutTag;
    case Operation::kGetObject:
      return has_param(query, "moss-tag") ? Operation::kGetTagDocument : Operation::kGetTag;
    case Operation::kHeadObject:
      return Operation::kHeadTag;
    case Operation::kDeleteObject:
      return Operation::kDeleteTag;
    case Operation::kCopyObject:
    case Operation::kCreateMultipartUpload:
      return Operation::kMethodNotAllowed;
    default:
      return op;
  }
}

namespace {

struct Route {
  std::string_view path;
  http::verb method;
  Operation op;
};

using V = http::verb;
constexpr std::array kRoutes = {
    Route{"v1/models", V::get, Operation::kRegistryListModels},
    Route{"v1/model", V::get, Operation::kRegistryGetModel},
    Route{"v1/tag", V::get, Operation::kRegistryGetTag},
    Route{"v1/tag", V::put, Operation::kRegistryPutTag},
    Route{"v1/tag", V::delete_, Operation::kRegistryDeleteTag},
    Route{"v1/tag/history", V::get, Operation::kRegistryTagHistory},
    Route{"v1/tag/rollback", V::post, Operation::kRegistryTagRollback},
};

std::string_view without_trailing_slash(std::string_view path) {
  if (path.ends_with('/')) path.remove_suffix(1);
  return path;
}

}  // namespace

Operation route_registry(http::verb method, std::string_view path) {
  path = without_trailing_slash(path);
  for (const auto& r : kRoutes) {
    if (r.path == path && r.method == method) return r.op;
  }
  return Operation::kRegistryUnknown;
}

bool is_registry_path(std::string_view path) {
  path = without_trailing_slash(path);
  for (const auto& r : kRoutes) {
    if (r.path == path) return true;
  }
  return false;
}

bool is_registry_operation(Operation op) {
  switch (op) {
    case Operation::kRegistryListModels:
    case Operation::kRegistryGetModel:
    case Operation::kRegistryGetTag:
    case Operation::kRegistryPutTag:
    case Operation::kRegistryDeleteTag:
    case Operation::kRegistryTagHistory:
    case Operation::kRegistryTagRollback:
    case Operation::kRegistryUnknown:
      return true;
    default:
      return false;
  }
}

}  // namespace moss::s3
