// Which stored objects are model files, and reading what their headers say.
//
// When a `.gguf` or `.safetensors` object is stored (a single PUT, or a
// completed multipart upload), its header is parsed from the stored bytes
// before the version is committed, and kept with it (ModelMetadata as JSON).
// The parsers are bounded (GgufLimits, SafetensorsLimits); whatever goes wrong
// (a hostile header, a truncated file, a failed read) leaves the object stored
// and its metadata marked unparsed with the reason.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "moss/models/byte_source.h"
#include "moss/models/model_metadata.h"

namespace moss::models {

enum class ModelFormat { kGguf, kSafetensors };

// By the key's extension, case-insensitively; nullopt for other objects.
std::optional<ModelFormat> model_format_of(std::string_view key);

// The object as one run of bytes over its segments (read-only descriptors the
// caller keeps open, with their sizes), for the parsers.
class SegmentsByteSource final : public ByteSource {
 public:
  struct Segment {
    int fd = -1;
    uint64_t size = 0;
  };
  explicit SegmentsByteSource(std::vector<Segment> segments);

  Result<size_t, std::string> read_at(uint64_t offset, std::span<uint8_t> out) override;
  uint64_t size() const override { return size_; }

 private:
  std::vector<Segment> segments_;
  std::vector<uint64_t> starts_;  // offset of each segment in the object
  uint64_t size_ = 0;
};

// What the header of a model file says; never fails: an unreadable header is
// described as unparsed with the reason.
ModelMetadata describe_model_file(ModelFormat format, ByteSource& source);

// describe_model_file(...).to_json().dump(): what NewVersion::model_metadata holds.
std::string model_metadata_json(ModelFormat format, ByteSource& source);

}  // namespace moss::models
