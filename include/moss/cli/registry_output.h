// How the client commands show the registry API's JSON documents
// (docs/models.md) to people: short blocks and aligned tables. Pure functions
// of the documents; fields a server leaves out or sets to null are shown as
// "-", never an exception. `--json` prints the documents themselves instead.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace moss::cli {

// The string at `name` in `object`, or "" when absent, null or not a string.
std::string text_of(const nlohmann::json& object, const char* name);

// "v2", or "v2=10 v1=90" for a weighted tag's targets array.
std::string format_targets(const nlohmann::json& targets);

// `moss tag get`: a tag document as a block.
std::string format_tag(const nlohmann::json& tag_document);
// `moss tag ls`: the tags of a model document as a table.
std::string format_tag_table(const nlohmann::json& model_document);
// `moss tag history`: a history document as a table, newest first.
std::string format_history(const nlohmann::json& history_document);
// `moss models ls`: a models document as a table.
std::string format_models(const nlohmann::json& models_document);
// `moss models show`: a model document with its tags and files.
std::string format_model(const nlohmann::json& model_document);

// One value of a tag document for `moss tag get --field`: "sha256", "key",
// "size", "version_id" of the resolved file; "etag" of the tag; "target" as
// format_targets. nullopt when the tag resolves to nothing (or no such field).
std::optional<std::string> tag_field(const nlohmann::json& tag_document, std::string_view field);

// "llama 8.03B Q5_K_M ctx 8192" from a file's metadata; "" when there is none.
std::string format_metadata(const nlohmann::json& metadata);

}  // namespace moss::cli
