// Builds GGUF files byte by byte for the parser tests, including ones no
// well-behaved writer would produce (the encoders take any type or count).
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace moss::models::testing {

// gguf_type numbers.
enum : uint32_t {
  kGgufU8 = 0,
  kGgufI8 = 1,
  kGgufU16 = 2,
  kGgufI16 = 3,
  kGgufU32 = 4,
  kGgufI32 = 5,
  kGgufF32 = 6,
  kGgufBool = 7,
  kGgufString = 8,
  kGgufArray = 9,
  kGgufU64 = 10,
  kGgufI64 = 11,
  kGgufF64 = 12,
};

// ggml_type numbers used by the tests.
enum : uint32_t { kGgmlF32 = 0, kGgmlF16 = 1, kGgmlQ4_0 = 2, kGgmlQ4_K = 12 };

inline void put_le(std::string& out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
inline void put_u32(std::string& out, uint32_t v) { put_le(out, v, 4); }
inline void put_u64(std::string& out, uint64_t v) { put_le(out, v, 8); }
inline void put_string(std::string& out, const std::string& s) {
  put_u64(out, s.size());
  out += s;
}

// An encoded value: its gguf_type and the bytes that follow the type.
struct GgufValue {
  uint32_t type = 0;
  std::string payload;
};

inline GgufValue gguf_uint(uint32_t type, uint64_t v) {
  static const int kBytes[] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};
  GgufValue out{type, {}};
  put_le(out.payload, v, kBytes[type]);
  return out;
}
inline GgufValue gguf_u8(uint8_t v) { return gguf_uint(kGgufU8, v); }
inline GgufValue gguf_i8(int8_t v) { return gguf_uint(kGgufI8, static_cast<uint8_t>(v)); }
inline GgufValue gguf_u16(uint16_t v) { return gguf_uint(kGgufU16, v); }
inline GgufValue gguf_i16(int16_t v) { return gguf_uint(kGgufI16, static_cast<uint16_t>(v)); }
inline GgufValue gguf_u32(uint32_t v) { return gguf_uint(kGgufU32, v); }
inline GgufValue gguf_i32(int32_t v) { return gguf_uint(kGgufI32, static_cast<uint32_t>(v)); }
inline GgufValue gguf_u64(uint64_t v) { return gguf_uint(kGgufU64, v); }
inline GgufValue gguf_i64(int64_t v) { return gguf_uint(kGgufI64, static_cast<uint64_t>(v)); }
inline GgufValue gguf_bool(bool v) { return gguf_uint(kGgufBool, v ? 1 : 0); }
inline GgufValue gguf_f32(float v) {
  uint32_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  return gguf_uint(kGgufF32, bits);
}
inline GgufValue gguf_f64(double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  return gguf_uint(kGgufF64, bits);
}
inline GgufValue gguf_str(const std::string& s) {
  GgufValue out{kGgufString, {}};
  put_string(out.payload, s);
  return out;
}
// An array of `elements`, which should all be of `element_type`.
inline GgufValue gguf_array(uint32_t element_type, const std::vector<GgufValue>& elements) {
  GgufValue out{kGgufArray, {}};
  put_u32(out.payload, element_type);
  put_u64(out.payload, elements.size());
  for (const auto& e : elements) out.payload += e.payload;
  return out;
}
inline GgufValue gguf_strings(const std::vector<std::string>& strings) {
  std::vector<GgufValue> elements;
  for (const auto& s : strings) elements.push_back(gguf_str(s));
  return gguf_array(kGgufString, elements);
}
// An array header claiming `count` elements with no elements after it.
inline GgufValue gguf_array_header(uint32_t element_type, uint64_t count) {
  GgufValue out{kGgufArray, {}};
  put_u32(out.payload, element_type);
  put_u64(out.payload, count);
  return out;
}

class GgufBuilder {
 public:
  explicit GgufBuilder(uint32_t version = 3) : version_(version) {}

  GgufBuilder& kv(const std::string& key, const GgufValue& value) {
    put_string(kv_bytes_, key);
    put_u32(kv_bytes_, value.type);
    kv_bytes_ += value.payload;
    ++kv_count_;
    return *this;
  }
  // Sets general.alignment and lays the tensor data out with it.
  GgufBuilder& alignment(uint32_t a) {
    alignment_ = a;
    return kv("general.alignment", gguf_u32(a));
  }
  // A tensor whose data is `data_bytes` long (filled with a pattern); placed
  // after the previous one at the next multiple of the alignment.
  GgufBuilder& tensor(const std::string& name, const std::vector<uint64_t>& dims, uint32_t type,
                      uint64_t data_bytes) {
    uint64_t offset = (data_.size() + alignment_ - 1) / alignment_ * alignment_;
    data_.resize(offset, '\0');
    for (uint64_t i = 0; i < data_bytes; ++i) data_.push_back(static_cast<char>(i * 7 + 1));
    put_string(tensor_bytes_, name);
    put_u32(tensor_bytes_, static_cast<uint32_t>(dims.size()));
    for (uint64_t d : dims) put_u64(tensor_bytes_, d);
    put_u32(tensor_bytes_, type);
    put_u64(tensor_bytes_, offset);
    ++tensor_count_;
    return *this;
  }
  GgufBuilder& f32_tensor(const std::string& name, const std::vector<uint64_t>& dims) {
    uint64_t elements = 1;
    for (uint64_t d : dims) elements *= d;
    return tensor(name, dims, kGgmlF32, elements * 4);
  }
  // Raw tensor info, for offsets and types the layout above would not produce.
  GgufBuilder& raw_tensor_info(const std::string& bytes) {
    tensor_bytes_ += bytes;
    ++tensor_count_;
    return *this;
  }
  GgufBuilder& counts(uint64_t tensor_count, uint64_t kv_count) {
    forced_counts_ = true;
    forced_tensor_count_ = tensor_count;
    forced_kv_count_ = kv_count;
    return *this;
  }

  // The file: header, padding to the alignment, tensor data (no padding after
  // the last tensor, so every strict prefix of the result is a truncated file).
  std::string build() const {
    std::string out = "GGUF";
    put_u32(out, version_);
    put_u64(out, forced_counts_ ? forced_tensor_count_ : tensor_count_);
    put_u64(out, forced_counts_ ? forced_kv_count_ : kv_count_);
    out += kv_bytes_;
    out += tensor_bytes_;
    if (tensor_count_ > 0) {
      out.resize((out.size() + alignment_ - 1) / alignment_ * alignment_, '\0');
      out += data_;
    }
    return out;
  }

 private:
  uint32_t version_;
  uint32_t alignment_ = 32;
  uint64_t kv_count_ = 0;
  uint64_t tensor_count_ = 0;
  bool forced_counts_ = false;
  uint64_t forced_tensor_count_ = 0;
  uint64_t forced_kv_count_ = 0;
  std::string kv_bytes_;
  std::string tensor_bytes_;
  std::string data_;
};

}  // namespace moss::models::testing
