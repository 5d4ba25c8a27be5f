#include "moss/models/gguf_parser.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "moss/models/ggml_types.h"
#include "unit/models/gguf_builder.h"

namespace moss::models {
namespace {

using namespace moss::models::testing;

Result<ModelMetadata, std::string> parse(const std::string& bytes, const GgufLimits& limits = {}) {
  MemoryByteSource source(std::span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
  return parse_gguf(source, limits);
}

void expect_error(const std::string& bytes, const std::string& fragment,
                  const GgufLimits& limits = {}) {
  auto r = parse(bytes, limits);
  ASSERT_FALSE(r.ok()) << "expected an error containing '" << fragment << "'";
  EXPECT_NE(r.error().find(fragment), std::string::npos) << r.error();
}

// A small llama-shaped model: the KV pairs llama.cpp needs and three tensors.
GgufBuilder tiny_llama(uint32_t version = 3) {
  GgufBuilder b(version);
  b.kv("general.architecture", gguf_str("llama"))
      .kv("general.name", gguf_str("tiny"))
      .kv("general.file_type", gguf_u32(17))
      .kv("llama.context_length", gguf_u32(256))
      .kv("llama.embedding_length", gguf_u32(8))
      .kv("llama.block_count", gguf_u32(2))
      .kv("llama.attention.layer_norm_rms_epsilon", gguf_f32(1e-5f))
      .kv("tokenizer.ggml.model", gguf_str("llama"))
      .kv("tokenizer.ggml.tokens", gguf_strings({"<unk>", "<s>", "</s>", "a", "b"}))
      .kv("tokenizer.ggml.scores", gguf_array(kGgufF32, {gguf_f32(0), gguf_f32(-1), gguf_f32(-2),
                                                         gguf_f32(-3), gguf_f32(-4)}))
      .f32_tensor("token_embd.weight", {8, 5})
      .f32_tensor("output_norm.weight", {8})
      .tensor("blk.0.attn_q.weight", {32, 2}, kGgmlQ4_0, 2 * 18);
  return b;
}

TEST(GgufParser, ParsesLlamaHeaderV3) {
  auto r = parse(tiny_llama().build());
  ASSERT_TRUE(r.ok()) << r.error();
  const ModelMetadata& m = *r;
  EXPECT_TRUE(m.parsed);
  EXPECT_EQ(m.format, "gguf");
  EXPECT_EQ(m.gguf_version, 3u);
  EXPECT_EQ(m.architecture, "llama");
  EXPECT_EQ(m.name, "tiny");
  EXPECT_EQ(m.file_type, 17u);
  EXPECT_EQ(m.file_type_name, "Q5_K_M");
  EXPECT_EQ(m.context_length, 256u);
  EXPECT_EQ(m.embedding_length, 8u);
  EXPECT_EQ(m.block_count, 2u);
  EXPECT_EQ(m.tokenizer_model, "llama");
  EXPECT_EQ(m.vocab_size, 5u);
  EXPECT_EQ(m.alignment, 32u);
  EXPECT_EQ(m.tensor_count, 3u);
  EXPECT_EQ(m.parameter_count, 40u + 8u + 64u);
  EXPECT_EQ(m.dtypes, (std::map<std::string, uint64_t>{{"F32", 2}, {"Q4_0", 1}}));
  EXPECT_EQ(m.kv.at("general.name"), MetadataValue(std::string("tiny")));
  EXPECT_EQ(m.kv.at("llama.attention.layer_norm_rms_epsilon"), MetadataValue(1e-5));
  EXPECT_FALSE(m.kv.contains("tokenizer.ggml.tokens"));  // arrays are not kept
}

TEST(GgufParser, ParsesV2) {
  auto r = parse(tiny_llama(2).build());
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->gguf_version, 2u);
  EXPECT_EQ(r->block_count, 2u);
}

TEST(GgufParser, ReadsEveryValueType) {
  GgufBuilder b;
  b.kv("u8", gguf_u8(200))
      .kv("i8", gguf_i8(-100))
      .kv("u16", gguf_u16(60000))
      .kv("i16", gguf_i16(-30000))
      .kv("u32", gguf_u32(4000000000u))
      .kv("i32", gguf_i32(-2000000000))
      .kv("f32", gguf_f32(0.25f))
      .kv("bool", gguf_bool(true))
      .kv("string", gguf_str("hello"))
      .kv("u64", gguf_u64(18000000000000000000ull))
      .kv("i64", gguf_i64(-9000000000000000000ll))
      .kv("positive_i64", gguf_i64(7))
      .kv("f64", gguf_f64(-2.5))
      .kv("array_u8", gguf_array(kGgufU8, {gguf_u8(1), gguf_u8(2)}))
      .kv("array_i64", gguf_array(kGgufI64, {gguf_i64(-1)}))
      .kv("array_f64", gguf_array(kGgufF64, {gguf_f64(1), gguf_f64(2)}))
      .kv("array_bool", gguf_array(kGgufBool, {gguf_bool(false)}))
      .kv("array_strings", gguf_strings({"", "x", std::string(5000, 'y')}))
      .kv("array_empty", gguf_array(kGgufU32, {}))
      .kv("array_of_arrays",
          gguf_array(kGgufArray, {gguf_strings({"a"}), gguf_array(kGgufU16, {gguf_u16(1)})}))
      .kv("after_arrays", gguf_str("still aligned"));
  auto r = parse(b.build());
  ASSERT_TRUE(r.ok()) << r.error();
  const auto& kv = r->kv;
  EXPECT_EQ(kv.at("u8"), MetadataValue(uint64_t{200}));
  EXPECT_EQ(kv.at("i8"), MetadataValue(int64_t{-100}));
  EXPECT_EQ(kv.at("u16"), MetadataValue(uint64_t{60000}));
  EXPECT_EQ(kv.at("i16"), MetadataValue(int64_t{-30000}));
  EXPECT_EQ(kv.at("u32"), MetadataValue(uint64_t{4000000000u}));
  EXPECT_EQ(kv.at("i32"), MetadataValue(int64_t{-2000000000}));
  EXPECT_EQ(kv.at("f32"), MetadataValue(0.25));
  EXPECT_EQ(kv.at("bool"), MetadataValue(true));
  EXPECT_EQ(kv.at("string"), MetadataValue(std::string("hello")));
  EXPECT_EQ(kv.at("u64"), MetadataValue(uint64_t{18000000000000000000ull}));
  EXPECT_EQ(kv.at("i64"), MetadataValue(int64_t{-9000000000000000000ll}));
  EXPECT_EQ(kv.at("positive_i64"), MetadataValue(uint64_t{7}));
  EXPECT_EQ(kv.at("f64"), MetadataValue(-2.5));
  EXPECT_EQ(kv.at("after_arrays"), MetadataValue(std::string("still aligned")));
  EXPECT_FALSE(kv.contains("array_strings"));
  EXPECT_EQ(r->tensor_count, 0u);
}

TEST(GgufParser, LongStringsAndNonFiniteFloatsAreNotKept) {
  GgufBuilder b;
  b.kv("tokenizer.chat_template", gguf_str(std::string(5000, 't')))
      .kv("nan", gguf_f32(std::numeric_limits<float>::quiet_NaN()))
      .kv("general.name", gguf_str("kept"));
  auto r = parse(b.build());
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_FALSE(r->kv.contains("tokenizer.chat_template"));
  EXPECT_FALSE(r->kv.contains("nan"));
  EXPECT_EQ(r->name, "kept");
}

TEST(GgufParser, PairsWithOverlongOrEmptyKeysAreSkipped) {
  GgufBuilder b;
  b.kv(std::string(300, 'k'), gguf_u8(1)).kv("", gguf_u8(2)).kv("general.name", gguf_str("n"));
  auto r = parse(b.build());
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->kv.size(), 1u);
  EXPECT_EQ(r->name, "n");
}

TEST(GgufParser, InvalidUtf8IsReplacedSoJsonCanHoldIt) {
  GgufBuilder b;
  b.kv("general.name", gguf_str("bad\xff\xfe name")).kv("key\xc0", gguf_u8(1));
  auto r = parse(b.build());
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->name, "bad\xEF\xBF\xBD\xEF\xBF\xBD name");
  EXPECT_NO_THROW((void)r->to_json().dump());
}

TEST(GgufParser, ArchitectureFieldsFollowTheArchitectureWhereverItComes) {
  GgufBuilder b;
  b.kv("qwen2.block_count", gguf_u32(24))
      .kv("llama.block_count", gguf_u32(2))
      .kv("qwen2.context_length", gguf_u64(32768))
      .kv("general.architecture", gguf_str("qwen2"));
  auto r = parse(b.build());
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->block_count, 24u);
  EXPECT_EQ(r->context_length, 32768u);
  EXPECT_FALSE(r->embedding_length.has_value());
}

TEST(GgufParser, TruncationAtEveryOffsetIsAnError) {
  const std::string file = tiny_llama().build();
  ASSERT_TRUE(parse(file).ok());
  for (size_t n = 0; n < file.size(); ++n) {
    auto r = parse(file.substr(0, n));
    EXPECT_FALSE(r.ok()) << "prefix of " << n << " bytes was accepted";
  }
}

TEST(GgufParser, RejectsBadMagic) {
  std::string file = tiny_llama().build();
  file[0] = 'X';
  expect_error(file, "not a GGUF file");
  expect_error("", "not a GGUF file");
  expect_error("GGU", "not a GGUF file");
}

TEST(GgufParser, RejectsVersion1AndUnknownVersions) {
  expect_error(GgufBuilder(1).build(), "version 1 is not supported");
  expect_error(GgufBuilder(4).build(), "unsupported GGUF version 4");
  expect_error(GgufBuilder(3u << 24).build(), "big-endian");
}

TEST(GgufParser, RejectsHugeCounts) {
  expect_error(GgufBuilder().counts(0, ~0ull).build(), "exceeds the limit");
  expect_error(GgufBuilder().counts(~0ull, 0).build(), "exceeds the limit");
  expect_error(GgufBuilder().counts(1000, 1000).build(), "cannot fit in the file");
}

TEST(GgufParser, RejectsStringLengthPastEnd) {
  std::string file = "GGUF";
  put_u32(file, 3);
  put_u64(file, 0);
  put_u64(file, 1);
  put_u64(file, 1000);  // key length
  file += "short";
  expect_error(file, "file ends");
}

TEST(GgufParser, RejectsStringLongerThanTheLimit) {
  GgufBuilder b;
  b.kv("k", gguf_str(std::string(100, 'x')));
  GgufLimits limits;
  limits.max_string_bytes = 50;
  expect_error(b.build(), "exceeds the 50-byte limit", limits);

  std::string file = "GGUF";
  put_u32(file, 3);
  put_u64(file, 0);
  put_u64(file, 1);
  put_u64(file, ~0ull);  // key length
  file += "key bytes";
  expect_error(file, "string length");
}

TEST(GgufParser, RejectsAbsurdArrayLengths) {
  for (uint32_t type : {kGgufU8, kGgufU64, kGgufBool, kGgufString, kGgufArray}) {
    for (uint64_t count : {uint64_t{1} << 62, ~uint64_t{0}, uint64_t{1000}}) {
      GgufBuilder b;
      b.kv("a", gguf_array_header(type, count));
      expect_error(b.build(), "runs past the end");
    }
  }
}

TEST(GgufParser, RejectsArrayElementsPastEnd) {
  GgufBuilder b;
  GgufValue v = gguf_array_header(kGgufString, 2);
  put_string(v.payload, "one");
  put_u64(v.payload, 1u << 20);  // the second string claims a MiB
  b.kv("a", v);
  expect_error(b.build(), "file ends");
}

TEST(GgufParser, BoundsArrayNesting) {
  GgufValue v = gguf_array(kGgufU8, {gguf_u8(1)});
  for (int depth = 2; depth <= 4; ++depth) v = gguf_array(kGgufArray, {v});
  GgufBuilder ok;
  ok.kv("nested4", v);
  EXPECT_TRUE(parse(ok.build()).ok());

  GgufBuilder too_deep;
  too_deep.kv("nested5", gguf_array(kGgufArray, {v}));
  expect_error(too_deep.build(), "nested deeper than 4");
}

TEST(GgufParser, RejectsUnknownValueTypes) {
  GgufBuilder b;
  b.kv("k", GgufValue{13, "x"});
  expect_error(b.build(), "unknown value type 13");
  GgufBuilder a;
  a.kv("k", gguf_array_header(99, 0));
  expect_error(a.build(), "unknown array element type 99");
}

TEST(GgufParser, HonoursCustomAlignmentAndRejectsBadOnes) {
  GgufBuilder b;
  b.alignment(64).f32_tensor("a", {3}).f32_tensor("b", {5});
  auto r = parse(b.build());
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->alignment, 64u);

  GgufBuilder bad;
  bad.kv("general.alignment", gguf_u32(3));
  expect_error(bad.build(), "power of two");
  GgufBuilder zero;
  zero.kv("general.alignment", gguf_u32(0));
  expect_error(zero.build(), "power of two");
  GgufBuilder text;
  text.kv("general.alignment", gguf_str("32"));
  expect_error(text.build(), "power of two");
}

std::string tensor_info(const std::string& name, const std::vector<uint64_t>& dims, uint32_t type,
                        uint64_t offset) {
  std::string out;
  put_string(out, name);
  put_u32(out, static_cast<uint32_t>(dims.size()));
  for (uint64_t d : dims) put_u64(out, d);
  put_u32(out, type);
  put_u64(out, offset);
  return out;
}

TEST(GgufParser, RejectsBadTensorInfos) {
  expect_error(GgufBuilder().raw_tensor_info(tensor_info("t", {1, 1, 1, 1, 1}, 0, 0)).build(),
               "5 dimensions");
  expect_error(GgufBuilder().raw_tensor_info(tensor_info("t", {4}, 0, 16)).build(),
               "not a multiple of the alignment");
  expect_error(GgufBuilder().raw_tensor_info(tensor_info("t", {1ull << 63}, 0, 0)).build(),
               "negative or too large");
  expect_error(
      GgufBuilder().raw_tensor_info(tensor_info("t", {1ull << 40, 1ull << 40}, 0, 0)).build(),
      "element count overflows");
  expect_error(GgufBuilder().raw_tensor_info(tensor_info("t", {16}, kGgmlQ4_0, 0)).build(),
               "not a multiple of Q4_0's block of 32");
  expect_error(GgufBuilder().raw_tensor_info(tensor_info("t", {1024}, 0, 0)).build(),
               "past the end");
  expect_error(GgufBuilder().raw_tensor_info(tensor_info("t", {64}, 0, ~0ull << 5)).build(),
               "overflows");
}

TEST(GgufParser, UnknownTensorTypesAreCountedButNotSized) {
  auto r = parse(GgufBuilder().raw_tensor_info(tensor_info("t", {7, 3}, 99, 0)).build() +
                 std::string(32, '\0'));
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->dtypes.at("type_99"), 1u);
  EXPECT_EQ(r->parameter_count, 21u);
}

TEST(GgufParser, StopsAtTheHeaderLimit) {
  GgufLimits limits;
  limits.max_header_bytes = 64;
  GgufBuilder b;
  b.kv("k", gguf_str(std::string(100, 'x')));
  expect_error(b.build(), "larger than the 64-byte limit", limits);
}

TEST(GgufParser, ReadsThroughAFileDescriptor) {
  const std::string file = tiny_llama().build();
  std::string path = (std::filesystem::temp_directory_path() / "moss-gguf-test-XXXXXX").string();
  const int fd = ::mkstemp(path.data());
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, file.data(), file.size()), static_cast<ssize_t>(file.size()));
  auto source = FdByteSource::from_fd(fd);
  ASSERT_TRUE(source.ok()) << source.error();
  auto r = parse_gguf(*source);
  ::close(fd);
  ::unlink(path.c_str());
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->architecture, "llama");
  EXPECT_EQ(r->tensor_count, 3u);
}

TEST(ModelMetadata, RoundTripsThroughJson) {
  auto r = parse(tiny_llama().build());
  ASSERT_TRUE(r.ok()) << r.error();
  const std::string text = r->to_json().dump();
  auto back = ModelMetadata::from_json(nlohmann::json::parse(text));
  ASSERT_TRUE(back.ok()) << back.error();
  EXPECT_EQ(*back, *r);
  EXPECT_EQ(r->to_json()["file_type_name"], "Q5_K_M");
}

TEST(ModelMetadata, UnparsedKeepsTheReason) {
  const auto m = ModelMetadata::unparsed("gguf", "GGUF version 1 is not supported");
  const auto j = m.to_json();
  EXPECT_EQ(j["parsed"], false);
  EXPECT_EQ(j["error"], "GGUF version 1 is not supported");
  auto back = ModelMetadata::from_json(j);
  ASSERT_TRUE(back.ok()) << back.error();
  EXPECT_EQ(*back, m);
}

TEST(ModelMetadata, FromJsonRejectsMalformedDocumentsWithoutThrowing) {
  for (const char* text : {"[]", "{}", R"({"format": 1, "parsed": true})",
                           R"({"format": "gguf", "parsed": true, "kv": {"a": [1]}})",
                           R"({"format": "gguf", "parsed": true, "block_count": -1})"}) {
    auto r = ModelMetadata::from_json(nlohmann::json::parse(text));
    EXPECT_FALSE(r.ok()) << text;
  }
}

TEST(GgmlTypes, NamesLlamaFileTypes) {
  EXPECT_EQ(llama_ftype_name(0), "F32");
  EXPECT_EQ(llama_ftype_name(1), "F16");
  EXPECT_EQ(llama_ftype_name(7), "Q8_0");
  EXPECT_EQ(llama_ftype_name(15), "Q4_K_M");
  EXPECT_EQ(llama_ftype_name(17), "Q5_K_M");
  EXPECT_EQ(llama_ftype_name(18), "Q6_K");
  EXPECT_EQ(llama_ftype_name(32), "BF16");
  EXPECT_EQ(llama_ftype_name(38), "MXFP4_MOE");
  EXPECT_EQ(llama_ftype_name(1024), "GUESSED");
  EXPECT_EQ(llama_ftype_name(999), "");
}

TEST(GgmlTypes, KnowsBlockSizes) {
  EXPECT_EQ(ggml_type(0)->block_bytes, 4u);
  EXPECT_EQ(ggml_type(12)->name, "Q4_K");
  EXPECT_EQ(ggml_type(12)->block_bytes, 144u);
  EXPECT_EQ(ggml_type(14)->block_bytes, 210u);
  EXPECT_FALSE(ggml_type(4).has_value());
  EXPECT_FALSE(ggml_type(1000).has_value());
}

}  // namespace
}  // namespace moss::models
