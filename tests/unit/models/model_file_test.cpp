#include "moss/models/model_file.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "unit/models/gguf_builder.h"
#include "unit/store/temp_dir.h"

namespace moss::models {
namespace {

using testing::gguf_str;
using testing::gguf_u32;
using testing::GgufBuilder;

std::string split_llama() {
  return GgufBuilder()
      .kv("general.architecture", gguf_str("llama"))
      .kv("general.name", gguf_str("split"))
      .kv("llama.block_count", gguf_u32(2))
      .f32_tensor("token_embd.weight", {8, 4})
      .f32_tensor("output.weight", {8, 4})
      .build();
}

// The bytes written to one file per piece, opened read-only.
class SplitFiles {
 public:
  SplitFiles(const std::string& bytes, const std::vector<size_t>& sizes) {
    size_t at = 0;
    for (size_t i = 0; i < sizes.size(); ++i) {
      std::string path = dir_.path() + "/piece" + std::to_string(i);
      int fd = ::open(path.c_str(), O_CREAT | O_RDWR, 0600);
      EXPECT_EQ(::write(fd, bytes.data() + at, sizes[i]), static_cast<ssize_t>(sizes[i]));
      fds_.push_back(fd);
      segments_.push_back({fd, sizes[i]});
      at += sizes[i];
    }
  }
  ~SplitFiles() {
    for (int fd : fds_) ::close(fd);
  }
  std::vector<SegmentsByteSource::Segment> segments() const { return segments_; }

 private:
  moss::testing::TempDir dir_;
  std::vector<int> fds_;
  std::vector<SegmentsByteSource::Segment> segments_;
};

TEST(ModelFormatOf, KnowsGgufAndSafetensorsByExtensionIgnoringCase) {
  EXPECT_EQ(model_format_of("m/2024/x.Q5_K_M.gguf"), ModelFormat::kGguf);
  EXPECT_EQ(model_format_of("m/X.GGUF"), ModelFormat::kGguf);
  EXPECT_EQ(model_format_of("m/model-00001-of-00002.safetensors"), ModelFormat::kSafetensors);
  EXPECT_EQ(model_format_of("m/config.json"), std::nullopt);
  EXPECT_EQ(model_format_of("gguf"), std::nullopt);
}

TEST(SegmentsByteSource, ReadsAcrossSegmentBoundariesAndStopsAtTheEnd) {
  const std::string bytes = "0123456789abcdefghij";
  SplitFiles files(bytes, {3, 0, 7, 10});
  SegmentsByteSource source(files.segments());
  ASSERT_EQ(source.size(), 20u);
  for (uint64_t offset = 0; offset <= 20; ++offset) {
    for (size_t length : {1u, 4u, 9u, 25u}) {
      std::vector<uint8_t> out(length);
      auto n = source.read_at(offset, out);
      ASSERT_TRUE(n.ok());
      const size_t expected = std::min<size_t>(length, 20 - offset);
      ASSERT_EQ(*n, expected) << offset << "+" << length;
      EXPECT_EQ(std::string(out.begin(), out.begin() + *n), bytes.substr(offset, expected));
    }
  }
}

TEST(DescribeModelFile, AGgufSplitInPartsParsesLikeTheWholeFile) {
  const std::string bytes = split_llama();
  MemoryByteSource whole(std::span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
  const ModelMetadata expected = describe_model_file(ModelFormat::kGguf, whole);
  ASSERT_TRUE(expected.parsed) << expected.error;
  EXPECT_EQ(expected.architecture, "llama");

  const size_t third = bytes.size() / 3;
  SplitFiles files(bytes, {third, third, bytes.size() - 2 * third});
  SegmentsByteSource split(files.segments());
  EXPECT_EQ(describe_model_file(ModelFormat::kGguf, split), expected);
}

TEST(DescribeModelFile, ATruncatedOrForeignFileIsDescribedAsUnparsed) {
  const std::string bytes = split_llama().substr(0, 60);
  MemoryByteSource truncated(
      std::span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
  auto m = describe_model_file(ModelFormat::kGguf, truncated);
  EXPECT_FALSE(m.parsed);
  EXPECT_EQ(m.format, "gguf");
  EXPECT_FALSE(m.error.empty());

  const std::string text = "not a safetensors file at all";
  MemoryByteSource foreign(std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
  auto s = describe_model_file(ModelFormat::kSafetensors, foreign);
  EXPECT_FALSE(s.parsed);
  EXPECT_EQ(s.format, "safetensors");
  EXPECT_NE(model_metadata_json(ModelFormat::kSafetensors, foreign).find("\"parsed\":false"),
            std::string::npos);
}

}  // namespace
}  // namespace moss::models
