#include "moss/models/ggml_types.h"

#include <array>

namespace moss::models {
namespace {

constexpr uint32_t kQkK = 256;  // elements in a k-quant super-block

// Indexed by ggml_type; gaps are numbers ggml has retired (block_elements 0).
// Sizes are ggml's sizeof(block_*) (ggml-common.h).
constexpr std::array<GgmlType, 43> kGgmlTypes = {{
    {"F32", 1, 4},
    {"F16", 1, 2},
    {"Q4_0", 32, 2 + 16},
    {"Q4_1", 32, 2 + 2 + 16},
    {},  // 4: Q4_2, removed
    {},  // 5: Q4_3, removed
    {"Q5_0", 32, 2 + 4 + 16},
    {"Q5_1", 32, 2 + 2 + 4 + 16},
    {"Q8_0", 32, 2 + 32},
    {"Q8_1", 32, 4 + 32},
    {"Q2_K", kQkK, 2 + 2 + kQkK / 16 + kQkK / 4},
    {"Q3_K", kQkK, 2 + kQkK / 4 + kQkK / 8 + 12},
    {"Q4_K", kQkK, 2 + 2 + kQkK / 2 + 12},
    {"Q5_K", kQkK, 2 + 2 + kQkK / 2 + kQkK / 8 + 12},
    {"Q6_K", kQkK, 2 + kQkK / 2 + kQkK / 4 + kQkK / 16},
    {"Q8_K", kQkK, 4 + kQkK + kQkK / 8},
    {"IQ2_XXS", kQkK, 2 + kQkK / 4},
    {"IQ2_XS", kQkK, 2 + kQkK / 4 + kQkK / 32},
    {"IQ3_XXS", kQkK, 2 + kQkK / 4 + kQkK / 8},
    {"IQ1_S", kQkK, 2 + kQkK / 8 + kQkK / 16},
    {"IQ4_NL", 32, 2 + 16},
    {"IQ3_S", kQkK, 2 + kQkK / 4 + kQkK / 8 + kQkK / 32 + 4},
    {"IQ2_S", kQkK, 2 + kQkK / 4 + kQkK / 16},
    {"IQ4_XS", kQkK, 2 + 2 + kQkK / 2 + kQkK / 64},
    {"I8", 1, 1},
    {"I16", 1, 2},
    {"I32", 1, 4},
    {"I64", 1, 8},
    {"F64", 1, 8},
    {"IQ1_M", kQkK, kQkK / 8 + kQkK / 16 + kQkK / 32},
    {"BF16", 1, 2},
    {},  // 31: Q4_0_4_4, removed (repacked at load time now)
    {},  // 32: Q4_0_4_8, removed
    {},  // 33: Q4_0_8_8, removed
    {"TQ1_0", kQkK, 2 + 4 * 13},
    {"TQ2_0", kQkK, 2 + 64},
    {},  // 36: IQ4_NL_4_4, removed
    {},  // 37: IQ4_NL_4_8, removed
    {},  // 38: IQ4_NL_8_8, removed
    {"MXFP4", 32, 1 + 16},
    {"NVFP4", 64, 4 + 32},
    {"Q1_0", 128, 2 + 16},
    {"Q2_0", 64, 2 + 16},
}};

// Indexed by llama_ftype (llama.h), retired numbers included: old files carry them.
constexpr std::array<std::string_view, 42> kLlamaFtypeNames = {
    "F32",            // 0  LLAMA_FTYPE_ALL_F32
    "F16",            // 1  LLAMA_FTYPE_MOSTLY_F16
    "Q4_0",           // 2
    "Q4_1",           // 3
    "Q4_1_SOME_F16",  // 4  retired: llama.cpp no longer loads these
    "Q4_2",           // 5  retired
    "Q4_3",           // 6  retired
    "Q8_0",           // 7
    "Q5_0",           // 8
    "Q5_1",           // 9
    "Q2_K",           // 10
    "Q3_K_S",         // 11
    "Q3_K_M",         // 12
    "Q3_K_L",         // 13
    "Q4_K_S",         // 14
    "Q4_K_M",         // 15
    "Q5_K_S",         // 16
    "Q5_K_M",         // 17
    "Q6_K",           // 18
    "IQ2_XXS",        // 19
    "IQ2_XS",         // 20
    "Q2_K_S",         // 21
    "IQ3_XS",         // 22
    "IQ3_XXS",        // 23
    "IQ1_S",          // 24
    "IQ4_NL",         // 25
    "IQ3_S",          // 26
    "IQ3_M",          // 27
    "IQ2_S",          // 28
    "IQ2_M",          // 29
    "IQ4_XS",         // 30
    "IQ1_M",          // 31
    "BF16",           // 32
    "Q4_0_4_4",       // 33 retired (repacked from Q4_0 at load time now)
    "Q4_0_4_8",       // 34 retired
    "Q4_0_8_8",       // 35 retired
    "TQ1_0",          // 36
    "TQ2_0",          // 37
    "MXFP4_MOE",      // 38
    "NVFP4",          // 39
    "Q1_0",           // 40
    "Q2_0",           // 41
};

}  // namespace

std::optional<GgmlType> ggml_type(uint32_t type) {
  if (type >= kGgmlTypes.size() || kGgmlTypes[type].block_elements == 0) return std::nullopt;
  return kGgmlTypes[type];
}

std::string_view llama_ftype_name(uint32_t file_type) {
  if (file_type == 1024) return "GUESSED";  // LLAMA_FTYPE_GUESSED, never written by llama.cpp
  if (file_type >= kLlamaFtypeNames.size()) return {};
  return kLlamaFtypeNames[file_type];
}

}  // namespace moss::models
