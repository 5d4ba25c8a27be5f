#include "moss/models/model_file.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "moss/models/gguf_parser.h"
#include "moss/models/safetensors_parser.h"
#include "moss/util/ascii.h"

namespace moss::models {

std::optional<ModelFormat> model_format_of(std::string_view key) {
  if (ascii_iends_with(key, ".gguf")) return ModelFormat::kGguf;
  if (ascii_iends_with(key, ".safetensors")) return ModelFormat::kSafetensors;
  return std::nullopt;
}

SegmentsByteSource::SegmentsByteSource(std::vector<Segment> segments)
    : segments_(std::move(segments)) {
  for (const auto& s : segments_) {
    starts_.push_back(size_);
    size_ += s.size;
  }
}

Result<size_t, std::string> SegmentsByteSource::read_at(uint64_t offset, std::span<uint8_t> out) {
  size_t done = 0;
  // The last segment starting at or before the offset.
  auto it = std::upper_bound(starts_.begin(), starts_.end(), offset);
  size_t i = it == starts_.begin() ? 0 : static_cast<size_t>(it - starts_.begin()) - 1;
  while (done < out.size() && offset + done < size_ && i < segments_.size()) {
    const uint64_t at = offset + done - starts_[i];
    if (at >= segments_[i].size) {
      ++i;
      continue;
    }
    FdByteSource piece(segments_[i].fd, segments_[i].size);
    auto n = piece.read_at(at, out.subspan(done));
    if (!n) return n;
    if (*n == 0) break;  // the blob is shorter than recorded
    done += *n;
  }
  return done;
}

ModelMetadata describe_model_file(ModelFormat format, ByteSource& source) {
  auto parsed = format == ModelFormat::kGguf ? parse_gguf(source) : parse_safetensors(source);
  if (parsed) return std::move(*parsed);
  return ModelMetadata::unparsed(format == ModelFormat::kGguf ? "gguf" : "safetensors",
                                 parsed.error());
}

std::string model_metadata_json(ModelFormat format, ByteSource& source) {
  return describe_model_file(format, source)
      .to_json()
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace moss::models
