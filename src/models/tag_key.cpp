#include "moss/models/tag_key.h"

namespace moss::models {

std::optional<TagKey> parse_tag_key(std::string_view key) {
  static constexpr std::string_view kMarker = "/tags/";
  auto pos = key.rfind(kMarker);
  if (pos == std::string_view::npos || pos == 0) return std::nullopt;
  std::string_view model = key.substr(0, pos);
  std::string_view tag = key.substr(pos + kMarker.size());
  if (tag.empty() || tag.find('/') != std::string_view::npos) return std::nullopt;
  return TagKey{std::string(model), std::string(tag)};
}

std::string tag_object_key(std::string_view model, std::string_view tag) {
  return std::string(model) + "/tags/" + std::string(tag);
}

}  // namespace moss::models
