// Reads the header of a GGUF model file into ModelMetadata: versions 2 and 3,
// little-endian (version 1 and big-endian files are rejected).
//
// The header is hostile input. Every count and length in it is checked against
// the bytes that remain and against GgufLimits before anything is allocated or
// looped over, so no file can crash the parser, make it allocate more than a
// bounded amount, or keep it busier than reading max_header_bytes would. The
// tensor data is not read, only checked to lie inside the file, so a truncated
// upload is reported rather than described.
#pragma once

#include <cstdint>
#include <string>

#include "moss/models/byte_source.h"
#include "moss/models/model_metadata.h"
#include "moss/util/result.h"

namespace moss::models {

struct GgufLimits {
  uint64_t max_header_bytes = 256ull << 20;  // magic through the last tensor info
  uint64_t max_kv_count = 1u << 20;
  uint64_t max_tensor_count = 1u << 20;
  uint64_t max_string_bytes = 64ull << 20;
  uint32_t max_array_depth = 4;  // an array of arrays is depth 2
};

// The metadata (format "gguf", parsed) or why the file is not a GGUF model
// moss can describe. Thread-compatible: one call per source at a time.
Result<ModelMetadata, std::string> parse_gguf(ByteSource& source, const GgufLimits& limits = {});

}  // namespace moss::models
