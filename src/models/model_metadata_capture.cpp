#include "moss/models/model_metadata_capture.h"

#include <nlohmann/json.hpp>

#include "moss/models/model_file.h"
#include "moss/util/offload.h"

namespace moss::models {
namespace {

std::string format_name(ModelFormat format) {
  return format == ModelFormat::kGguf ? "gguf" : "safetensors";
}

std::string unreadable(ModelFormat format, const std::string& why) {
  return ModelMetadata::unparsed(format_name(format), "could not read the file: " + why)
      .to_json()
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

boost::asio::awaitable<std::string> describe_sealed_upload(boost::asio::thread_pool& blocking,
                                                           std::string_view key,
                                                           const store::SealedBlob& blob) {
  auto format = model_format_of(key);
  if (!format) co_return std::string();
  co_return co_await offload(blocking, [&] {
    auto fd = blob.open_read();
    if (!fd) return unreadable(*format, fd.error().message);
    SegmentsByteSource source({{fd->get(), blob.size()}});
    return model_metadata_json(*format, source);
  });
}

boost::asio::awaitable<std::string> describe_stored_segments(
    boost::asio::thread_pool& blocking, store::ObjectStore& store, std::string_view key,
    const std::vector<store::BlobSegment>& segments) {
  auto format = model_format_of(key);
  if (!format) co_return std::string();
  co_return co_await offload(blocking, [&] {
    auto fds = store.open_segments(segments);
    if (!fds) return unreadable(*format, fds.error().message);
    std::vector<SegmentsByteSource::Segment> pieces;
    for (size_t i = 0; i < segments.size(); ++i) {
      pieces.push_back({(*fds)[i].get(), segments[i].size});
    }
    SegmentsByteSource source(std::move(pieces));
    return model_metadata_json(*format, source);
  });
}

}  // namespace moss::models
