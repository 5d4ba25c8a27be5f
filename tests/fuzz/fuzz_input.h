// Splitting one fuzzer input into the several values a target needs: the
// input is cut at a separator byte, so libFuzzer's mutations (and its
// dictionaries) work on each field as text.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace moss::fuzz {

// The input as text, cut at every `separator` into at most `max_fields`
// fields (the last takes the rest, separators included).
inline std::vector<std::string_view> split_fields(const uint8_t* data, size_t size,
                                                  size_t max_fields, char separator = '\n') {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> fields;
  while (fields.size() + 1 < max_fields) {
    const size_t at = rest.find(separator);
    if (at == std::string_view::npos) break;
    fields.push_back(rest.substr(0, at));
    rest.remove_prefix(at + 1);
  }
  fields.push_back(rest);
  fields.resize(max_fields);  // missing fields are empty
  return fields;
}

}  // namespace moss::fuzz
