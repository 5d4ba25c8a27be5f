// libFuzzer target: parse_safetensors on arbitrary bytes must return (an
// error or metadata) without crashing, leaking, reading out of bounds or
// stalling, and whatever it returns must survive the JSON round trip.
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "moss/models/safetensors_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  moss::models::MemoryByteSource source(std::span(data, size));
  auto result = moss::models::parse_safetensors(source);
  if (!result.ok()) return 0;
  const std::string text = result->to_json().dump();
  auto back = moss::models::ModelMetadata::from_json(nlohmann::json::parse(text));
  if (!back.ok() || !(*back == *result)) std::abort();
  return 0;
}
