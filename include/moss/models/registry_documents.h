// The JSON documents of the registry API (docs/models.md, "Registry API"):
// a tag, a tag's history, a model with its tags and files. Pure functions of
// what ModelRegistry returns; the S3 layer sends them.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

#include "moss/models/model_registry.h"

namespace moss::models {

// {"bucket", "model", "tag", "etag", "targets": [...], "resolved": {...},
//  "updated", "updated_by"}; "resolved" is null (and "error" says why) when
// the tag does not resolve.
nlohmann::json tag_document(const TagView& view);

// {"bucket", "model", "tag", "history": [newest first]}.
nlohmann::json history_document(std::string_view bucket, std::string_view model,
                                std::string_view tag,
                                const std::vector<store::TagHistoryEntry>& entries);

// {"bucket", "name", "tags": [tag documents], "files": [...]}.
nlohmann::json model_document(const ModelView& view);
// {"bucket", "models": [model documents]}.
nlohmann::json models_document(std::string_view bucket, const std::vector<ModelView>& models);

}  // namespace moss::models
