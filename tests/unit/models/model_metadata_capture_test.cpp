#include "moss/models/model_metadata_capture.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <exception>
#include <nlohmann/json.hpp>
#include <span>
#include <string>

#include "moss/models/model_metadata.h"
#include "unit/models/gguf_builder.h"
#include "unit/store/sealed_writes.h"
#include "unit/store/temp_dir.h"

namespace moss::models {
namespace {

using testing::gguf_str;
using testing::GgufBuilder;

std::string capture_llama() {
  return GgufBuilder()
      .kv("general.architecture", gguf_str("llama"))
      .kv("general.name", gguf_str("capture"))
      .f32_tensor("token_embd.weight", {8, 4})
      .f32_tensor("output.weight", {8, 4})
      .build();
}

class ModelMetadataCaptureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = store::ObjectStore::open_local(dir_.path());
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(*opened);
    ASSERT_TRUE(store_->create_bucket("b", "owner", 1).ok());
  }

  std::unique_ptr<store::SealedBlob> seal(const std::string& bytes) {
    return moss::testing::seal_body(*store_, bytes);
  }

  // The bytes stored as the parts of a multipart upload, one blob each.
  std::vector<store::BlobSegment> store_parts(const std::vector<std::string>& parts) {
    store::MultipartUpload upload;
    upload.key = "m/x.gguf";
    auto created = store_->create_upload("b", upload);
    EXPECT_TRUE(created.ok());
    std::vector<store::BlobSegment> segments;
    for (size_t i = 0; i < parts.size(); ++i) {
      auto sealed = seal(parts[i]);
      store::UploadPart part;
      part.part_number = static_cast<int>(i + 1);
      part.sha256 = sealed->sha256_hex();
      part.size = sealed->size();
      EXPECT_TRUE(store_->put_part("b", upload.key, created->upload_id, part, *sealed).ok());
      segments.push_back({part.sha256, part.size, part.part_number});
    }
    return segments;
  }

  // Runs a capture to its end, as a handler's coroutine would.
  std::string run(boost::asio::awaitable<std::string> capture) {
    boost::asio::io_context io;
    std::string out;
    std::exception_ptr error;
    boost::asio::co_spawn(io, std::move(capture), [&](std::exception_ptr e, std::string s) {
      error = e;
      out = std::move(s);
    });
    io.run();
    if (error) std::rethrow_exception(error);
    return out;
  }

  moss::testing::TempDir dir_;
  std::unique_ptr<store::ObjectStore> store_;
  boost::asio::thread_pool blocking_{1};
};

TEST_F(ModelMetadataCaptureTest, AModelStoredInPartsIsDescribedLikeTheSealedWholeFile) {
  const std::string bytes = capture_llama();
  auto whole = seal(bytes);
  const std::string expected = run(describe_sealed_upload(blocking_, "m/x.gguf", *whole));
  auto parsed = ModelMetadata::from_json(nlohmann::json::parse(expected));
  ASSERT_TRUE(parsed.ok()) << expected;
  EXPECT_TRUE(parsed->parsed) << parsed->error;
  EXPECT_EQ(parsed->architecture, "llama");

  const size_t half = bytes.size() / 2;
  auto segments = store_parts({bytes.substr(0, half), bytes.substr(half)});
  EXPECT_EQ(run(describe_stored_segments(blocking_, *store_, "m/x.gguf", segments)), expected);
}

TEST_F(ModelMetadataCaptureTest, AStoredModelWhoseBlobIsGoneIsMarkedUnparsed) {
  std::vector<store::BlobSegment> gone = {{std::string(64, 'a'), 100, 1}};
  auto json =
      nlohmann::json::parse(run(describe_stored_segments(blocking_, *store_, "m/x.gguf", gone)));
  EXPECT_EQ(json.value("parsed", true), false);
  EXPECT_NE(json.value("error", "").find("could not read the file"), std::string::npos) << json;
}

TEST_F(ModelMetadataCaptureTest, AnObjectThatIsNoModelFileIsNotRead) {
  // Reading this segment would fail and be reported; nothing is reported.
  std::vector<store::BlobSegment> gone = {{std::string(64, 'a'), 100, 1}};
  EXPECT_EQ(run(describe_stored_segments(blocking_, *store_, "m/config.json", gone)), "");
  auto sealed = seal(capture_llama());
  EXPECT_EQ(run(describe_sealed_upload(blocking_, "m/README.md", *sealed)), "");
}

}  // namespace
}  // namespace moss::models
