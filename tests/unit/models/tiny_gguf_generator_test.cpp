// Runs tests/tools/make_tiny_gguf.py (the generator of the tiny llama models
// the integration tests load with llama.cpp) and reads what it wrote.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "moss/models/gguf_parser.h"

namespace moss::models {
namespace {

namespace fs = std::filesystem;

class TinyGgufGenerator : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system("python3 --version >/dev/null 2>&1") != 0) GTEST_SKIP() << "no python3";
    std::string dir = (fs::temp_directory_path() / "moss-tiny-gguf-XXXXXX").string();
    ASSERT_NE(::mkdtemp(dir.data()), nullptr);
    dir_ = dir;
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  // The generated file's bytes; empty if the generator failed.
  std::string generate(int seed, const std::string& file) {
    const fs::path script = fs::path(MOSS_TOOLS_DIR) / "make_tiny_gguf.py";
    const fs::path out = fs::path(dir_) / file;
    const std::string command = "python3 '" + script.string() + "' --seed " + std::to_string(seed) +
                                " --out '" + out.string() + "'";
    if (std::system(command.c_str()) != 0) return {};
    std::ifstream in(out, std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    return bytes.str();
  }

  std::string dir_;
};

TEST_F(TinyGgufGenerator, WritesALlamaModelTheParserDescribes) {
  const std::string file = generate(7, "seed7.gguf");
  ASSERT_FALSE(file.empty());
  EXPECT_LT(file.size(), 512u * 1024u);
  MemoryByteSource source(std::span(reinterpret_cast<const uint8_t*>(file.data()), file.size()));
  auto r = parse_gguf(source);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->gguf_version, 3u);
  EXPECT_EQ(r->architecture, "llama");
  EXPECT_EQ(r->name, "tiny-llama-seed7");
  EXPECT_EQ(r->block_count, 2u);
  EXPECT_EQ(r->embedding_length, 64u);
  EXPECT_EQ(r->context_length, 256u);
  EXPECT_EQ(r->tokenizer_model, "llama");
  EXPECT_EQ(r->vocab_size, 323u);
  EXPECT_EQ(r->file_type_name, "F32");
  EXPECT_EQ(r->alignment, 32u);
  // token_embd, output_norm, output and 9 tensors per block.
  EXPECT_EQ(r->tensor_count, 3u + 2u * 9u);
  EXPECT_EQ(r->dtypes, (std::map<std::string, uint64_t>{{"F32", 21}}));
  EXPECT_EQ(r->parameter_count,
            2u * 64u * 323u + 64u + 2u * (2u * 64u + 2u * 4096u + 2u * 2048u + 3u * 64u * 128u));
}

TEST_F(TinyGgufGenerator, SameSeedSameBytesOtherSeedOtherBytes) {
  const std::string a = generate(1, "a.gguf");
  const std::string b = generate(1, "b.gguf");
  const std::string c = generate(2, "c.gguf");
  ASSERT_FALSE(a.empty());
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.size(), c.size());
  EXPECT_NE(a, c);
}

}  // namespace
}  // namespace moss::models
