// Reads the header of a safetensors file into ModelMetadata: an 8-byte
// little-endian length, then that many bytes of JSON naming each tensor's
// dtype, shape and [begin, end) data offsets, plus an optional "__metadata__"
// map of strings.
//
// The header is hostile input. Its length is capped before it is read, the
// JSON is consumed as a stream of events (no document tree is built, nesting
// is bounded, nothing throws out of the parser), and the tensors must tile the
// data section exactly, as the safetensors library itself requires: each
// tensor's byte length matches its dtype and shape, and the tensors together
// cover every byte after the header with no gap or overlap. So a truncated
// upload is reported, not described.
#pragma once

#include <cstdint>
#include <string>

#include "moss/models/byte_source.h"
#include "moss/models/model_metadata.h"
#include "moss/util/result.h"

namespace moss::models {

struct SafetensorsLimits {
  uint64_t max_header_bytes = 100ull << 20;
  uint32_t max_json_depth = 16;
  // __metadata__ entries past this many bytes (keys plus values) are dropped,
  // not rejected: they are informational.
  uint64_t max_kept_metadata_bytes = 64 << 10;
};

// The metadata (format "safetensors", parsed) or why the file is not a
// safetensors file moss can describe. Thread-compatible.
Result<ModelMetadata, std::string> parse_safetensors(ByteSource& source,
                                                     const SafetensorsLimits& limits = {});

}  // namespace moss::models
