// The words the client commands take: MODEL[:TAG] references, tag targets
// ("v2", or "v2=10" for a weighted tag), and the dated key a push stores a
// file under. Pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "moss/client/registry_client.h"

namespace moss::cli {

struct ModelRef {
  std::string model;  // "llama-3-8b", "meta-llama/llama-3-8b"
  std::string tag;    // "latest"
};

// "MODEL:TAG", or "MODEL" with `default_tag` (when that is empty, the tag is
// required). The tag is what follows the last ':' when it holds no '/'.
// nullopt with `why` for an empty model or tag, a tag with '/', a model that
// starts or ends with '/'.
std::optional<ModelRef> parse_model_ref(std::string_view text, std::string_view default_tag,
                                        std::string* why = nullptr);

// "TARGET" (weight 1) or "TARGET=WEIGHT" with a positive integer weight.
std::optional<client::WeightedTarget> parse_target(std::string_view text,
                                                   std::string* why = nullptr);
// The targets of `moss tag set`: one plain target, or any number of weighted
// ones (TARGET=WEIGHT each). Repeated targets are refused.
std::optional<std::vector<client::WeightedTarget>> parse_targets(
    const std::vector<std::string>& args, std::string* why = nullptr);

// "YYYY-MM-DD" with a real month and day.
bool is_valid_date(std::string_view text);
// The UTC date of `unix_seconds` as "YYYY-MM-DD".
std::string utc_date(int64_t unix_seconds);

// What `moss push MODEL FILE` stores FILE under, relative to the model
// ("2024-03-20/llama-3-8b.Q5_K_M.gguf"), and the key ("MODEL/" + that).
std::string dated_path(std::string_view date, std::string_view file_path);
std::string dated_key(std::string_view model, std::string_view date, std::string_view file_path);

}  // namespace moss::cli
