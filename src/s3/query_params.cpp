#include "s3/query_params.h"

namespace moss::s3 {

bool has_param(const QueryParams& query, std::string_view name) {
  return find_param(query, name) != nullptr;
}

const std::string* find_param(const QueryParams& query, std::string_view name) {
  for (const auto& [k, v] : query) {
    if (k == name) return &v;
  }
  return nullptr;
}

}  // namespace moss::s3
