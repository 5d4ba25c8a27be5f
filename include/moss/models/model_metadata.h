// What moss learned from a model file's header (GGUF or safetensors), kept as
// JSON with the object version so listings and the registry API answer without
// reopening the blob. A file whose header could not be read is still stored:
// `parsed` is false and `error` says why.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <variant>

#include "moss/util/result.h"

namespace moss::models {

// A scalar GGUF value. Integers are normalized: uint64_t when non-negative,
// int64_t otherwise, so a value survives a round trip through JSON unchanged.
using MetadataValue = std::variant<bool, int64_t, uint64_t, double, std::string>;

struct ModelMetadata {
  std::string format;  // "gguf" or "safetensors"
  bool parsed = false;
  std::string error;  // why the header could not be read; empty when parsed

  uint64_t tensor_count = 0;
  uint64_t parameter_count = 0;  // sum over tensors of the product of their dims
  // Element type -> number of tensors of it: safetensors dtypes ("BF16"), GGUF
  // ggml types ("Q4_K"; "type_<n>" for a number moss does not know).
  std::map<std::string, uint64_t> dtypes;

  // GGUF only.
  uint32_t gguf_version = 0;
  std::string architecture;                  // general.architecture ("llama")
  std::string name;                          // general.name
  std::optional<uint32_t> file_type;         // general.file_type (llama_ftype)
  std::string file_type_name;                // its llama.cpp name ("Q5_K_M"); empty when unknown
  std::optional<uint64_t> context_length;    // <architecture>.context_length
  std::optional<uint64_t> block_count;       // <architecture>.block_count
  std::optional<uint64_t> embedding_length;  // <architecture>.embedding_length
  std::string tokenizer_model;               // tokenizer.ggml.model ("llama", "gpt2")
  std::optional<uint64_t> vocab_size;        // length of tokenizer.ggml.tokens
  uint32_t alignment = 0;                    // of the tensor data (general.alignment or 32)
  // Scalar key/value pairs with short keys and short strings; arrays (the
  // vocabulary, merges) and long strings (chat templates) are left out.
  std::map<std::string, MetadataValue> kv;

  // safetensors only: the "__metadata__" string map (bounded in size).
  std::map<std::string, std::string> safetensors_metadata;

  static ModelMetadata unparsed(std::string format, std::string error);

  // Fields that do not apply to the format, or are unknown, are left out.
  nlohmann::json to_json() const;
  // Accepts what to_json() produced; never throws.
  static Result<ModelMetadata, std::string> from_json(const nlohmann::json& j);

  bool operator==(const ModelMetadata&) const = default;
};

}  // namespace moss::models
