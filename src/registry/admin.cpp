#include "registry/admin.h"

namespace moss::s3 {

Operation route_admin(http::verb method, std::string_view path) {
  if (path == "lifecycle/run") {
    return method == http::verb::post ? Operation::kRunLifecycle : Operation::kMethodNotAllowed;
  }
  return Operation::kUnknown;
}

}  // namespace moss::s3
