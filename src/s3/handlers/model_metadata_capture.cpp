#include "s3/handlers/model_metadata_capture.h"

#include <nlohmann/json.hpp>

#include "moss/models/model_file.h"
#include "moss/util/offload.h"

namespace moss::s3 {
namespace {

std::string format_name(models::ModelFormat format) {
  return format == models::ModelFormat::kGguf ? "gguf" : "safetensors";
}

std::string unreadable(models::ModelFormat format, const std::string& why) {
  return models::ModelMetadata::unparsed(format_name(format), "could not read the file: " + why)
      .to_json()
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

awaitable<std::string> describe_sealed_upload(RequestContext& ctx, std::string_view key,
                                              const store::SealedBlob& blob) {
  auto format = models::model_format_of(key);
  if (!format) co_return std::string();
  co_return co_await offload(*ctx.service.blocking, [&] {
    auto fd = blob.open_read();
    if (!fd) return unreadable(*format, fd.error().message);
    models::SegmentsByteSource source({{fd->get(), blob.size()}});
    return models::model_metadata_json(*format, source);
  });
}

awaitable<std::string> describe_stored_segments(RequestContext& ctx, std::string_view key,
                                                const std::vector<store::BlobSegment>& segments) {
  auto format = models::model_format_of(key);
  if (!format) co_return std::string();
  co_return co_await offload(*ctx.service.blocking, [&] {
    std::vector<SharedFd> fds;
    std::vector<models::SegmentsByteSource::Segment> pieces;
    for (const auto& segment : segments) {
      auto fd = ctx.store().blobs().open_blob(segment.sha256);
      if (!fd) return unreadable(*format, fd.error().message);
      pieces.push_back({fd->get(), segment.size});
      fds.push_back(std::move(*fd));
    }
    models::SegmentsByteSource source(std::move(pieces));
    return models::model_metadata_json(*format, source);
  });
}

}  // namespace moss::s3
