// How both metadata stores encode what a row holds as text (the JSON of a
// version's segments and attributes) and roll listed keys up, so the SQLite
// and PostgreSQL stores store and list exactly alike (row_codecs.cpp).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "moss/store/lifecycle_types.h"
#include "moss/store/object_types.h"

namespace moss::store::metadata_rows {

// Greater than every valid UTF-8 string that starts with `prefix`.
std::string prefix_upper_bound(std::string_view prefix);

// Under a delimiter, the common prefix a listed key rolls up into: the key up
// to and including the first delimiter after the listing's prefix
// ("photos/2024/" for "photos/2024/a.jpg", prefix "photos/", delimiter "/").
// nullopt without a delimiter or when the key has none past the prefix.
std::optional<std::string> common_prefix_of(std::string_view key, std::string_view prefix,
                                            std::string_view delimiter);

// Whether a listing page already holds `max` entries; if so it is marked
// truncated, and the caller returns it.
template <class Page>
bool page_is_full(Page& page, int count, int max) {
  if (count < max) return false;
  page.truncated = true;
  return true;
}

nlohmann::json attributes_to_json(const ObjectAttributes& a);
ObjectAttributes attributes_from_json(const std::string& text);

nlohmann::json segments_to_json(const std::vector<BlobSegment>& segments);
std::vector<BlobSegment> segments_from_json(const std::string& text);

// A tag's snapshot ids as its `snapshots` column holds them, and back.
std::string ids_to_json(const std::vector<std::string>& ids);
std::vector<std::string> ids_from_json(const std::string& text);

// The versions a tag pins as its `pinned` column holds them, and back.
nlohmann::json pins_to_json(const std::vector<ObjectVersion>& pins);
std::vector<ObjectVersion> pins_from_json(const std::string& text, int64_t bucket_id);

// A bucket's lifecycle rules as its bucket_lifecycle row holds them, and back.
nlohmann::json rules_to_json(const std::vector<LifecycleRule>& rules);
std::vector<LifecycleRule> rules_from_json(const std::string& text);

}  // namespace moss::store::metadata_rows
