// Which object keys are model tags: a key whose last "/tags/" segment splits it
// into a model path and a tag name, "<model>/tags/<tag>". The model path may
// itself hold slashes ("meta-llama/llama-3-8b/tags/latest").
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace moss::models {

struct TagKey {
  std::string model;  // "meta-llama/llama-3-8b"
  std::string tag;    // "latest"
};

// nullopt unless the key is "<non-empty model>/tags/<non-empty tag without '/'>".
std::optional<TagKey> parse_tag_key(std::string_view key);

std::string tag_object_key(std::string_view model, std::string_view tag);

}  // namespace moss::models
