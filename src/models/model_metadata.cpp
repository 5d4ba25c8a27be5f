#include "moss/models/model_metadata.h"

#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <type_traits>

namespace moss::models {

using nlohmann::json;

ModelMetadata ModelMetadata::unparsed(std::string format, std::string error) {
  ModelMetadata m;
  m.format = std::move(format);
  m.error = std::move(error);
  return m;
}

json ModelMetadata::to_json() const {
  json j = {{"format", format}, {"parsed", parsed}};
  if (!parsed) {
    j["error"] = error;
    return j;
  }
  j["tensor_count"] = tensor_count;
  j["parameter_count"] = parameter_count;
  j["dtypes"] = dtypes;
  if (format == "gguf") {
    j["gguf_version"] = gguf_version;
    if (!architecture.empty()) j["architecture"] = architecture;
    if (!name.empty()) j["name"] = name;
    if (file_type) j["file_type"] = *file_type;
    if (!file_type_name.empty()) j["file_type_name"] = file_type_name;
    if (context_length) j["context_length"] = *context_length;
    if (block_count) j["block_count"] = *block_count;
    if (embedding_length) j["embedding_length"] = *embedding_length;
    if (!tokenizer_model.empty()) j["tokenizer_model"] = tokenizer_model;
    if (vocab_size) j["vocab_size"] = *vocab_size;
    j["alignment"] = alignment;
    json kv_json = json::object();
    for (const auto& pair : kv) {
      std::visit([&](const auto& v) { kv_json[pair.first] = v; }, pair.second);
    }
    j["kv"] = std::move(kv_json);
  }
  if (format == "safetensors") j["metadata"] = safetensors_metadata;
  return j;
}

namespace {

// nlohmann converts between number kinds silently (-1 into a uint64_t);
// unsigned fields must hold non-negative integers that fit.
template <class T>
T checked_get(const json& v) {
  if constexpr (std::is_unsigned_v<T> && !std::is_same_v<T, bool>) {
    if (!v.is_number_unsigned() || v.get<uint64_t>() > std::numeric_limits<T>::max()) {
      throw std::invalid_argument("expected an unsigned integer, got " + v.dump());
    }
  } else if constexpr (std::is_same_v<T, std::map<std::string, uint64_t>>) {
    if (!v.is_object()) throw std::invalid_argument("expected an object, got " + v.dump());
    T out;
    for (const auto& [key, value] : v.items()) out.emplace(key, checked_get<uint64_t>(value));
    return out;
  }
  return v.get<T>();
}

template <class T>
void read_optional(const json& j, const char* key, T& out) {
  if (auto it = j.find(key); it != j.end()) out = checked_get<T>(*it);
}

template <class T>
void read_optional(const json& j, const char* key, std::optional<T>& out) {
  if (auto it = j.find(key); it != j.end()) out = checked_get<T>(*it);
}

MetadataValue value_from_json(const json& v) {
  switch (v.type()) {
    case json::value_t::boolean:
      return v.get<bool>();
    case json::value_t::number_unsigned:
      return v.get<uint64_t>();
    case json::value_t::number_integer:
      return v.get<int64_t>();
    case json::value_t::number_float:
      return v.get<double>();
    case json::value_t::string:
      return v.get<std::string>();
    default:
      throw std::invalid_argument("kv values must be scalars");
  }
}

}  // namespace

Result<ModelMetadata, std::string> ModelMetadata::from_json(const json& j) {
  // nlohmann reports a wrong type by throwing; that stays inside this function.
  try {
    ModelMetadata m;
    if (!j.is_object()) return fail(std::string("model metadata is not a JSON object"));
    m.format = j.at("format").get<std::string>();
    m.parsed = j.at("parsed").get<bool>();  // throws unless a boolean
    read_optional(j, "error", m.error);
    read_optional(j, "tensor_count", m.tensor_count);
    read_optional(j, "parameter_count", m.parameter_count);
    read_optional(j, "dtypes", m.dtypes);
    read_optional(j, "gguf_version", m.gguf_version);
    read_optional(j, "architecture", m.architecture);
    read_optional(j, "name", m.name);
    read_optional(j, "file_type", m.file_type);
    read_optional(j, "file_type_name", m.file_type_name);
    read_optional(j, "context_length", m.context_length);
    read_optional(j, "block_count", m.block_count);
    read_optional(j, "embedding_length", m.embedding_length);
    read_optional(j, "tokenizer_model", m.tokenizer_model);
    read_optional(j, "vocab_size", m.vocab_size);
    read_optional(j, "alignment", m.alignment);
    if (auto it = j.find("kv"); it != j.end()) {
      if (!it->is_object()) throw std::invalid_argument("kv must be an object");
      for (const auto& [key, value] : it->items()) m.kv.emplace(key, value_from_json(value));
    }
    read_optional(j, "metadata", m.safetensors_metadata);
    return m;
  } catch (const std::exception& e) {
    return fail(std::string("invalid model metadata: ") + e.what());
  }
}

}  // namespace moss::models
