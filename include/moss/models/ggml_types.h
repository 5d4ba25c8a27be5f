// The numbering GGUF files use for tensor element types (ggml_type) and for a
// whole model's quantization (llama_ftype, stored as general.file_type), as
// llama.cpp defines them. Tensor types ggml has retired are unknown (a file
// using them is not one llama.cpp loads); retired file types keep their names.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace moss::models {

// A ggml tensor type: `block_elements` values are stored in `block_bytes`.
struct GgmlType {
  std::string_view name;  // "F32", "Q4_K", ...
  uint32_t block_elements = 0;
  uint32_t block_bytes = 0;
};

// nullopt for a number ggml does not (or no longer) define.
std::optional<GgmlType> ggml_type(uint32_t type);

// The llama.cpp quantization name of a general.file_type value as
// llama-quantize spells it (17 -> "Q5_K_M", 0 -> "F32"); empty when unknown.
std::string_view llama_ftype_name(uint32_t file_type);

}  // namespace moss::models
