#include "moss/models/safetensors_parser.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace moss::models {
namespace {

// A safetensors file: the length prefix, `header`, then `data_bytes` of data.
std::string safetensors_file(const std::string& header, uint64_t data_bytes) {
  std::string out;
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((header.size() >> (8 * i)) & 0xFF));
  out += header;
  out.append(data_bytes, '\x01');
  return out;
}

Result<ModelMetadata, std::string> parse_bytes(const std::string& bytes,
                                         const SafetensorsLimits& limits = {}) {
  MemoryByteSource source(std::span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
  return parse_safetensors(source, limits);
}

void expect_parse_error(const std::string& bytes, const std::string& fragment,
                  const SafetensorsLimits& limits = {}) {
  auto r = parse_bytes(bytes, limits);
  ASSERT_FALSE(r.ok()) << "expected an error containing '" << fragment << "'";
  EXPECT_NE(r.error().find(fragment), std::string::npos) << r.error();
}

// Two tensors: F32 [2, 3] (24 bytes) then BF16 [4] (8 bytes).
const std::string kHeader = R"({
  "__metadata__": {"format": "pt", "source": "unit test"},
  "model.embed.weight": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]},
  "model.norm.weight": {"dtype": "BF16", "shape": [4], "data_offsets": [24, 32]}
})";

TEST(SafetensorsParser, ParsesTensorsAndMetadata) {
  auto r = parse_bytes(safetensors_file(kHeader, 32));
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_TRUE(r->parsed);
  EXPECT_EQ(r->format, "safetensors");
  EXPECT_EQ(r->tensor_count, 2u);
  EXPECT_EQ(r->parameter_count, 10u);
  EXPECT_EQ(r->dtypes, (std::map<std::string, uint64_t>{{"BF16", 1}, {"F32", 1}}));
  EXPECT_EQ(r->safetensors_metadata,
            (std::map<std::string, std::string>{{"format", "pt"}, {"source", "unit test"}}));
}

TEST(SafetensorsParser, RoundTripsThroughJson) {
  auto r = parse_bytes(safetensors_file(kHeader, 32));
  ASSERT_TRUE(r.ok()) << r.error();
  auto back = ModelMetadata::from_json(r->to_json());
  ASSERT_TRUE(back.ok()) << back.error();
  EXPECT_EQ(*back, *r);
}

TEST(SafetensorsParser, AcceptsPaddedHeaderTensorsInAnyOrderAndScalars) {
  const std::string header =
      R"({"b": {"dtype": "I64", "shape": [], "data_offsets": [2, 10]},)"
      R"( "a": {"dtype": "U8", "shape": [2], "data_offsets": [0, 2]},)"
      R"( "empty": {"dtype": "F16", "shape": [0, 5], "data_offsets": [10, 10]}})"
      "      ";
  auto r = parse_bytes(safetensors_file(header, 10));
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->tensor_count, 3u);
  EXPECT_EQ(r->parameter_count, 3u);
}

TEST(SafetensorsParser, AcceptsAFileWithNoTensors) {
  auto r = parse_bytes(safetensors_file(R"({"__metadata__": {}})", 0));
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->tensor_count, 0u);
  EXPECT_TRUE(parse_bytes(safetensors_file("{}", 0)).ok());
}

TEST(SafetensorsParser, IgnoresUnknownTensorFields) {
  auto r = parse_bytes(safetensors_file(
      R"({"t": {"extra": {"a": [1, {"b": null}]}, "dtype": "F4", "shape": [4], "data_offsets": [0, 2]}})",
      2));
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->dtypes.at("F4"), 1u);
}

TEST(SafetensorsParser, TruncationAtEveryOffsetIsAnError) {
  const std::string file = safetensors_file(kHeader, 32);
  for (size_t n = 0; n < file.size(); ++n) {
    EXPECT_FALSE(parse_bytes(file.substr(0, n)).ok()) << "prefix of " << n << " bytes was accepted";
  }
}

TEST(SafetensorsParser, RejectsBadHeaderLengths) {
  expect_parse_error("", "shorter than 8 bytes");
  expect_parse_error("\x05\0\0\0", "shorter than 8 bytes");
  std::string huge(8, '\xff');
  expect_parse_error(huge + "{}", "exceeds the");
  std::string past_end = safetensors_file("{}", 0);
  past_end[0] = 100;
  expect_parse_error(past_end, "runs past the end");
  SafetensorsLimits limits;
  limits.max_header_bytes = 100;
  expect_parse_error(safetensors_file(kHeader, 32), "exceeds the 100-byte limit", limits);
}

TEST(SafetensorsParser, RejectsInvalidJson) {
  expect_parse_error(safetensors_file("{\"a\": ", 0), "invalid JSON");
  expect_parse_error(safetensors_file("{} trailing", 0), "invalid JSON");
  expect_parse_error(safetensors_file("[1, 2]", 0), "does not start with '{'");
  expect_parse_error(safetensors_file(" {}", 0), "does not start with '{'");
  expect_parse_error(safetensors_file("{\"a\": \"\xff\"}", 0), "invalid JSON");
  expect_parse_error(safetensors_file(std::string("{\"a\0b\": 1}", 10), 0), "invalid JSON");
}

TEST(SafetensorsParser, RejectsMalformedTensorEntries) {
  const auto entry = [](const std::string& body) {
    return safetensors_file("{\"t\": " + body + "}", 8);
  };
  expect_parse_error(entry("5"), "not an object");
  expect_parse_error(entry("[]"), "not an object");
  expect_parse_error(entry(R"({"dtype": "F33", "shape": [2], "data_offsets": [0, 8]})"), "unknown dtype");
  expect_parse_error(entry(R"({"dtype": 3, "shape": [2], "data_offsets": [0, 8]})"), "dtype");
  expect_parse_error(entry(R"({"dtype": "F32", "shape": [-2], "data_offsets": [0, 8]})"), "negative");
  expect_parse_error(entry(R"({"dtype": "F32", "shape": [2.5], "data_offsets": [0, 8]})"), "fractional");
  expect_parse_error(entry(R"({"dtype": "F32", "shape": [[2]], "data_offsets": [0, 8]})"), "shape");
  expect_parse_error(entry(R"({"dtype": "F32", "shape": 2, "data_offsets": [0, 8]})"), "not an array");
  expect_parse_error(entry(R"({"dtype": "F32", "shape": [2], "data_offsets": [0]})"), "two entries");
  expect_parse_error(entry(R"({"dtype": "F32", "shape": [2], "data_offsets": [0, 8, 8]})"),
               "more than two");
  expect_parse_error(entry(R"({"dtype": "F32", "shape": [2], "data_offsets": [8, 0]})"), "end before");
  expect_parse_error(entry(R"({"dtype": "F32", "shape": [3], "data_offsets": [0, 8]})"), "needs 12");
  expect_parse_error(entry(R"({"shape": [2], "data_offsets": [0, 8]})"), "no dtype");
  expect_parse_error(entry(R"({"dtype": "F32", "data_offsets": [0, 8]})"), "no shape");
  expect_parse_error(entry(R"({"dtype": "F32", "shape": [2]})"), "no data_offsets");
  expect_parse_error(entry(R"({"dtype": "F32", "dtype": "F32", "shape": [2], "data_offsets": [0, 8]})"),
               "twice");
  expect_parse_error(entry(R"({"dtype": "F4", "shape": [3], "data_offsets": [0, 8]})"),
               "whole number of bytes");
  expect_parse_error(
      entry(R"({"dtype": "F32", "shape": [4294967296, 4294967296], "data_offsets": [0, 8]})"),
      "overflows");
  expect_parse_error(
      entry(R"({"dtype": "F32", "shape": [99999999999999999999], "data_offsets": [0, 8]})"),
      "huge");
}

TEST(SafetensorsParser, RequiresTensorsToTileTheData) {
  const std::string two = R"({"a": {"dtype": "U8", "shape": [4], "data_offsets": [0, 4]},)";
  expect_parse_error(
      safetensors_file(two + R"("b": {"dtype": "U8", "shape": [4], "data_offsets": [5, 9]}})", 9),
      "gap");
  expect_parse_error(
      safetensors_file(two + R"("b": {"dtype": "U8", "shape": [4], "data_offsets": [2, 6]}})", 6),
      "overlap");
  expect_parse_error(
      safetensors_file(two + R"("b": {"dtype": "U8", "shape": [4], "data_offsets": [4, 8]}})", 9),
      "holds 9");
  expect_parse_error(
      safetensors_file(two + R"("b": {"dtype": "U8", "shape": [4], "data_offsets": [4, 8]}})", 7),
      "truncated");
}

TEST(SafetensorsParser, RejectsBadMetadata) {
  expect_parse_error(safetensors_file(R"({"__metadata__": {"a": 1}})", 0), "not a string");
  expect_parse_error(safetensors_file(R"({"__metadata__": {"a": {"b": "c"}}})", 0), "not a string");
  expect_parse_error(safetensors_file(R"({"__metadata__": "x"})", 0), "not an object");
}

TEST(SafetensorsParser, KeepsMetadataOnlyUpToItsBudget) {
  SafetensorsLimits limits;
  limits.max_kept_metadata_bytes = 10;
  auto r =
      parse_bytes(safetensors_file(R"({"__metadata__": {"a": "12345", "b": "123456789"}})", 0), limits);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->safetensors_metadata, (std::map<std::string, std::string>{{"a", "12345"}}));
}

TEST(SafetensorsParser, BoundsJsonNesting) {
  std::string deep = "{\"t\": {\"extra\": ";
  for (int i = 0; i < 100000; ++i) deep += "[";
  expect_parse_error(safetensors_file(deep, 0), "nested deeper than 16");
}

}  // namespace
}  // namespace moss::models
