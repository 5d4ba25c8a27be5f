#include "moss/models/gguf_parser.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>

#include "moss/models/ggml_types.h"
#include "sequential_reader.h"
#include "valid_utf8.h"

namespace moss::models {
namespace {

// gguf_type in ggml's gguf.h.
enum GgufValueType : uint32_t {
  kUint8 = 0,
  kInt8 = 1,
  kUint16 = 2,
  kInt16 = 3,
  kUint32 = 4,
  kInt32 = 5,
  kFloat32 = 6,
  kBool = 7,
  kString = 8,
  kArray = 9,
  kUint64 = 10,
  kInt64 = 11,
  kFloat64 = 12,
  kValueTypeCount = 13,
};

// Bytes of one value of a fixed-size type; 0 for strings and arrays.
uint64_t fixed_size(uint32_t type) {
  switch (type) {
    case kUint8:
    case kInt8:
    case kBool:
      return 1;
    case kUint16:
    case kInt16:
      return 2;
    case kUint32:
    case kInt32:
    case kFloat32:
      return 4;
    case kUint64:
    case kInt64:
    case kFloat64:
      return 8;
    default:
      return 0;
  }
}

// The smallest encodings, used to reject counts the file cannot hold before
// looping over them.
constexpr uint64_t kMinKeyValueBytes = 8 + 4 + 1;        // empty key, type, one byte
constexpr uint64_t kMinTensorInfoBytes = 8 + 4 + 4 + 8;  // empty name, 0 dims, type, offset
constexpr uint64_t kArrayHeaderBytes = 4 + 8;            // element type, count
constexpr uint64_t kStringHeaderBytes = 8;
constexpr uint32_t kMaxDims = 4;  // GGML_MAX_DIMS
constexpr uint32_t kDefaultAlignment = 32;

// What is kept for ModelMetadata::kv and for error messages.
constexpr uint64_t kMaxKeptKeyBytes = 256;
constexpr uint64_t kMaxKeptStringBytes = 1024;
constexpr size_t kMaxKeptPairs = 256;
constexpr size_t kMaxArchitectureNumbers = 64;
constexpr size_t kMaxDistinctTensorTypes = 64;
constexpr size_t kMaxNameInError = 80;

std::optional<uint64_t> as_unsigned(const MetadataValue& v) {
  if (const auto* u = std::get_if<uint64_t>(&v)) return *u;
  return std::nullopt;
}

const std::string* as_string(const MetadataValue& v) { return std::get_if<std::string>(&v); }

MetadataValue signed_value(int64_t v) {
  if (v >= 0) return static_cast<uint64_t>(v);
  return v;
}

// The double a reader would write for `f` (1e-05, not 9.99999974737875e-06).
double float_as_decimal(float f) {
  char text[64];
  auto [end, ec] = std::to_chars(text, text + sizeof text, f);
  double d = f;
  if (ec == std::errc()) std::from_chars(text, end, d);
  return d;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string quoted_for_error(std::string_view s) {
  std::string shown = to_valid_utf8(s.substr(0, kMaxNameInError));
  if (s.size() > kMaxNameInError) shown += "...";
  return " '" + shown + "'";
}

class GgufHeaderParser {
 public:
  GgufHeaderParser(ByteSource& source, const GgufLimits& limits)
      : in_(source, limits.max_header_bytes,
            "header is larger than the " + std::to_string(limits.max_header_bytes) + "-byte limit"),
        limits_(limits),
        file_size_(source.size()) {}

  Result<ModelMetadata, std::string> parse();

 private:
  Result<ModelMetadata, std::string> failure() const {
    if (context_.empty()) return fail(in_.error());
    return fail(context_ + ": " + in_.error());
  }

  uint64_t string_length();
  // The string if it is at most `keep` bytes long; otherwise it is skipped.
  std::optional<std::string> string_value(uint64_t keep);
  // A scalar value; nullopt for a skipped long string.
  std::optional<MetadataValue> scalar_value(uint32_t type);
  void skip_array(uint32_t element_type, uint64_t count, uint32_t depth);
  void key_value(uint64_t index);
  void interpret(const std::string& key, MetadataValue value);
  void tensor_info(uint64_t index);

  SequentialReader in_;
  const GgufLimits& limits_;
  const uint64_t file_size_;
  std::string context_;  // where the parser is, for error messages
  ModelMetadata m_;
  // "<arch>.context_length" and friends, resolved once the architecture is known
  // (general.architecture need not come first).
  std::map<std::string, uint64_t> architecture_numbers_;
  uint64_t tensor_data_end_ = 0;  // relative to the start of the data section
};

uint64_t GgufHeaderParser::string_length() {
  const uint64_t n = in_.u64();
  if (n > limits_.max_string_bytes) {
    in_.fail("string length " + std::to_string(n) + " exceeds the " +
             std::to_string(limits_.max_string_bytes) + "-byte limit");
    return 0;
  }
  return n;
}

std::optional<std::string> GgufHeaderParser::string_value(uint64_t keep) {
  const uint64_t n = string_length();
  if (n > keep) {
    in_.skip(n);
    return std::nullopt;
  }
  return in_.string(n);
}

std::optional<MetadataValue> GgufHeaderParser::scalar_value(uint32_t type) {
  switch (type) {
    case kUint8:
      return uint64_t{in_.u8()};
    case kInt8:
      return signed_value(static_cast<int8_t>(in_.u8()));
    case kUint16: {
      uint8_t b[2];
      in_.read(b, 2);
      return uint64_t{static_cast<uint16_t>(b[0] | (b[1] << 8))};
    }
    case kInt16: {
      uint8_t b[2];
      in_.read(b, 2);
      return signed_value(static_cast<int16_t>(static_cast<uint16_t>(b[0] | (b[1] << 8))));
    }
    case kUint32:
      return uint64_t{in_.u32()};
    case kInt32:
      return signed_value(static_cast<int32_t>(in_.u32()));
    case kUint64:
      return in_.u64();
    case kInt64:
      return signed_value(static_cast<int64_t>(in_.u64()));
    case kFloat32: {
      float f;
      const uint32_t bits = in_.u32();
      std::memcpy(&f, &bits, sizeof f);
      if (!std::isfinite(f)) return std::nullopt;  // JSON has no NaN or infinity
      return float_as_decimal(f);
    }
    case kFloat64: {
      double d;
      const uint64_t bits = in_.u64();
      std::memcpy(&d, &bits, sizeof d);
      if (!std::isfinite(d)) return std::nullopt;
      return d;
    }
    case kBool:
      return in_.u8() != 0;
    case kString: {
      auto s = string_value(kMaxKeptStringBytes);
      if (!s) return std::nullopt;
      return to_valid_utf8(*s);
    }
    default:
      in_.fail("unknown value type " + std::to_string(type));
      return std::nullopt;
  }
}

// Skips an array body. Every element costs at least one byte of input (an
// array header or string length even when empty), and counts are checked
// against the remaining bytes first, so the work is bounded by the header size.
void GgufHeaderParser::skip_array(uint32_t element_type, uint64_t count, uint32_t depth) {
  if (in_.failed()) return;
  const auto too_long = [&](uint64_t element_bytes) {
    if (count <= in_.remaining() / element_bytes) return false;
    in_.fail("array of " + std::to_string(count) + " elements runs past the end of the header");
    return true;
  };
  if (element_type >= kValueTypeCount) {
    in_.fail("unknown array element type " + std::to_string(element_type));
  } else if (element_type == kArray) {
    if (depth >= limits_.max_array_depth) {
      in_.fail("arrays nested deeper than " + std::to_string(limits_.max_array_depth));
      return;
    }
    if (too_long(kArrayHeaderBytes)) return;
    for (uint64_t i = 0; i < count && !in_.failed(); ++i) {
      const uint32_t inner_type = in_.u32();
      const uint64_t inner_count = in_.u64();
      skip_array(inner_type, inner_count, depth + 1);
    }
  } else if (element_type == kString) {
    if (too_long(kStringHeaderBytes)) return;
    for (uint64_t i = 0; i < count && !in_.failed(); ++i) in_.skip(string_length());
  } else {
    const uint64_t size = fixed_size(element_type);
    if (too_long(size)) return;
    in_.skip(count * size);
  }
}

void GgufHeaderParser::key_value(uint64_t index) {
  context_ = "key/value pair " + std::to_string(index);
  std::string key;
  if (auto k = string_value(kMaxKeptKeyBytes)) key = to_valid_utf8(*k);
  if (in_.failed()) return;
  context_ += quoted_for_error(key);

  const uint32_t type = in_.u32();
  if (in_.failed()) return;
  if (type >= kValueTypeCount) {
    in_.fail("unknown value type " + std::to_string(type));
    return;
  }
  if (type == kArray) {
    const uint32_t element_type = in_.u32();
    const uint64_t count = in_.u64();
    if (key == "tokenizer.ggml.tokens" && !in_.failed()) m_.vocab_size = count;
    skip_array(element_type, count, 1);
    return;
  }
  auto value = scalar_value(type);
  // An empty key here is one too long to keep (or truly empty): nothing to say.
  if (in_.failed() || !value || key.empty()) return;
  interpret(key, std::move(*value));
}

void GgufHeaderParser::interpret(const std::string& key, MetadataValue value) {
  if (key == "general.alignment") {
    const auto a = as_unsigned(value);
    if (!a || *a == 0 || (*a & (*a - 1)) != 0 || *a > std::numeric_limits<uint32_t>::max()) {
      in_.fail("general.alignment must be a power of two that fits in 32 bits");
      return;
    }
    m_.alignment = static_cast<uint32_t>(*a);
  } else if (key == "general.file_type") {
    const auto t = as_unsigned(value);
    if (t && *t <= std::numeric_limits<uint32_t>::max()) {
      m_.file_type = static_cast<uint32_t>(*t);
      m_.file_type_name = std::string(llama_ftype_name(*m_.file_type));
    }
  } else if (const std::string* s = as_string(value)) {
    if (key == "general.architecture") m_.architecture = *s;
    if (key == "general.name") m_.name = *s;
    if (key == "tokenizer.ggml.model") m_.tokenizer_model = *s;
  } else if (ends_with(key, ".context_length") || ends_with(key, ".block_count") ||
             ends_with(key, ".embedding_length")) {
    const auto n = as_unsigned(value);
    if (n && architecture_numbers_.size() < kMaxArchitectureNumbers) {
      architecture_numbers_[key] = *n;
    }
  }
  if (m_.kv.size() < kMaxKeptPairs) m_.kv.insert_or_assign(key, std::move(value));
}

void GgufHeaderParser::tensor_info(uint64_t index) {
  context_ = "tensor info " + std::to_string(index);
  std::string name;
  if (auto n = string_value(kMaxKeptKeyBytes)) name = std::move(*n);
  if (in_.failed()) return;
  context_ += quoted_for_error(name);

  const uint32_t n_dims = in_.u32();
  if (in_.failed()) return;
  if (n_dims > kMaxDims) {
    in_.fail(std::to_string(n_dims) + " dimensions, more than ggml's " + std::to_string(kMaxDims));
    return;
  }
  uint64_t dims[kMaxDims] = {1, 1, 1, 1};
  for (uint32_t d = 0; d < n_dims; ++d) dims[d] = in_.u64();
  const uint32_t type = in_.u32();
  const uint64_t offset = in_.u64();
  if (in_.failed()) return;

  // ggml keeps dimensions as int64_t and requires their product to fit one.
  constexpr uint64_t kMaxElements = std::numeric_limits<int64_t>::max();
  uint64_t elements = 1;
  for (uint32_t d = 0; d < n_dims; ++d) {
    if (dims[d] > kMaxElements) {
      in_.fail("dimension " + std::to_string(d) + " is negative or too large");
      return;
    }
    if (dims[d] != 0 && elements > kMaxElements / dims[d]) {
      in_.fail("element count overflows");
      return;
    }
    elements *= dims[d];
  }

  uint64_t bytes = 0;  // unknown types are checked only for where they start
  std::string type_name;
  if (const auto t = ggml_type(type)) {
    type_name = std::string(t->name);
    if (dims[0] % t->block_elements != 0) {
      in_.fail("first dimension " + std::to_string(dims[0]) + " is not a multiple of " + type_name +
               "'s block of " + std::to_string(t->block_elements));
      return;
    }
    const uint64_t blocks = elements / t->block_elements;
    if (blocks > std::numeric_limits<uint64_t>::max() / t->block_bytes) {
      in_.fail("tensor size overflows");
      return;
    }
    bytes = blocks * t->block_bytes;
  } else {
    type_name = "type_" + std::to_string(type);
  }

  if (offset % m_.alignment != 0) {
    in_.fail("data offset " + std::to_string(offset) + " is not a multiple of the alignment " +
             std::to_string(m_.alignment));
    return;
  }
  if (bytes > std::numeric_limits<uint64_t>::max() - offset) {
    in_.fail("data offset overflows");
    return;
  }
  tensor_data_end_ = std::max(tensor_data_end_, offset + bytes);
  if (elements > std::numeric_limits<uint64_t>::max() - m_.parameter_count) {
    in_.fail("parameter count overflows");
    return;
  }
  m_.parameter_count += elements;
  if (!m_.dtypes.contains(type_name) && m_.dtypes.size() >= kMaxDistinctTensorTypes) {
    in_.fail("more than " + std::to_string(kMaxDistinctTensorTypes) + " distinct tensor types");
    return;
  }
  ++m_.dtypes[type_name];
}

Result<ModelMetadata, std::string> GgufHeaderParser::parse() {
  m_.format = "gguf";
  uint8_t magic[4];
  in_.read(magic, sizeof magic);
  if (in_.failed() || std::memcmp(magic, "GGUF", 4) != 0) {
    return fail("not a GGUF file (no GGUF magic)");
  }
  const uint32_t version = in_.u32();
  if (in_.failed()) return failure();
  if (version == 1) return fail("GGUF version 1 is not supported");
  if (version != 2 && version != 3) {
    if (version == (2u << 24) || version == (3u << 24)) {
      return fail("big-endian GGUF is not supported");
    }
    return fail("unsupported GGUF version " + std::to_string(version));
  }
  m_.gguf_version = version;

  const uint64_t tensor_count = in_.u64();
  const uint64_t kv_count = in_.u64();
  if (in_.failed()) return failure();
  if (kv_count > limits_.max_kv_count) {
    return fail("key/value count " + std::to_string(kv_count) + " exceeds the limit of " +
                std::to_string(limits_.max_kv_count));
  }
  if (tensor_count > limits_.max_tensor_count) {
    return fail("tensor count " + std::to_string(tensor_count) + " exceeds the limit of " +
                std::to_string(limits_.max_tensor_count));
  }
  if (kv_count > in_.remaining() / kMinKeyValueBytes ||
      tensor_count > (in_.remaining() - kv_count * kMinKeyValueBytes) / kMinTensorInfoBytes) {
    return fail(std::to_string(kv_count) + " key/value pairs and " + std::to_string(tensor_count) +
                " tensors cannot fit in the file");
  }

  m_.alignment = kDefaultAlignment;
  for (uint64_t i = 0; i < kv_count && !in_.failed(); ++i) key_value(i);
  if (in_.failed()) return failure();
  for (uint64_t i = 0; i < tensor_count && !in_.failed(); ++i) tensor_info(i);
  if (in_.failed()) return failure();
  context_.clear();

  // The data section starts at the next multiple of the alignment.
  const uint64_t data_start = (in_.position() + m_.alignment - 1) / m_.alignment * m_.alignment;
  if (tensor_count > 0 && (data_start > file_size_ || tensor_data_end_ > file_size_ - data_start)) {
    return fail("tensor data needs " + std::to_string(tensor_data_end_) + " bytes from byte " +
                std::to_string(data_start) + ", past the end of the " + std::to_string(file_size_) +
                "-byte file (truncated?)");
  }

  m_.tensor_count = tensor_count;
  const auto architecture_number = [&](const char* suffix) -> std::optional<uint64_t> {
    auto it = architecture_numbers_.find(m_.architecture + suffix);
    if (m_.architecture.empty() || it == architecture_numbers_.end()) return std::nullopt;
    return it->second;
  };
  m_.context_length = architecture_number(".context_length");
  m_.block_count = architecture_number(".block_count");
  m_.embedding_length = architecture_number(".embedding_length");
  m_.parsed = true;
  return std::move(m_);
}

}  // namespace

Result<ModelMetadata, std::string> parse_gguf(ByteSource& source, const GgufLimits& limits) {
  return GgufHeaderParser(source, limits).parse();
}

}  // namespace moss::models
