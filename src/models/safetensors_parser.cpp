#include "moss/models/safetensors_parser.h"

#include <algorithm>
#include <array>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>
#include <vector>

namespace moss::models {
namespace {

using json = nlohmann::json;

struct Dtype {
  std::string_view name;
  uint32_t bits;
};

// The dtypes of the safetensors format and their element widths.
constexpr std::array<Dtype, 20> kDtypes = {{
    {"BOOL", 8}, {"F4", 4},      {"F6_E2M3", 6}, {"F6_E3M2", 6}, {"U8", 8},
    {"I8", 8},   {"F8_E5M2", 8}, {"F8_E4M3", 8}, {"F8_E8M0", 8}, {"I16", 16},
    {"U16", 16}, {"F16", 16},    {"BF16", 16},   {"I32", 32},    {"U32", 32},
    {"F32", 32}, {"C64", 64},    {"F64", 64},    {"I64", 64},    {"U64", 64},
}};

std::optional<Dtype> find_dtype(std::string_view name) {
  for (const auto& d : kDtypes) {
    if (d.name == name) return d;
  }
  return std::nullopt;
}

constexpr size_t kMaxNameInError = 80;

std::string quoted_name(std::string_view s) {
  std::string shown(s.substr(0, kMaxNameInError));
  if (s.size() > kMaxNameInError) shown += "...";
  return "'" + shown + "'";
}

// Consumes the header's JSON as SAX events, keeping only what ModelMetadata
// needs and each tensor's data range. Any handler returning false stops the
// parse; error() says why.
class HeaderEvents {
 public:
  HeaderEvents(const SafetensorsLimits& limits, ModelMetadata& out) : limits_(limits), out_(out) {}

  const std::string& error() const { return error_; }
  bool finished() const { return where_ == Where::kDone; }
  std::vector<std::pair<uint64_t, uint64_t>>& ranges() { return ranges_; }

  // The nlohmann SAX interface.
  bool null() { return scalar("null"); }
  bool boolean(bool) { return scalar("a boolean"); }
  bool binary(json::binary_t&) { return scalar("binary"); }
  bool number_integer(json::number_integer_t) { return scalar("a negative number"); }
  bool number_float(json::number_float_t, const json::string_t&) {
    return scalar("a fractional or huge number");
  }
  bool number_unsigned(json::number_unsigned_t v);
  bool string(json::string_t& s);
  bool key(json::string_t& k);
  bool start_object(std::size_t);
  bool end_object();
  bool start_array(std::size_t);
  bool end_array();
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& e) {
    return stop("invalid JSON header near byte " + std::to_string(position) + ": " + e.what());
  }

 private:
  enum class Where { kStart, kTop, kTensor, kShape, kOffsets, kMetadata, kDone };
  // What the next value is, inside the current object.
  enum class Next { kNothing, kTensor, kMetadata, kDtype, kShape, kOffsets, kIgnored, kMetaValue };

  bool stop(std::string why) {
    if (error_.empty()) error_ = std::move(why);
    return false;
  }
  bool tensor_error(const std::string& why) {
    return stop("tensor " + quoted_name(name_) + ": " + why);
  }
  bool enter() {
    if (++depth_ > limits_.max_json_depth) {
      return stop("JSON header nested deeper than " + std::to_string(limits_.max_json_depth));
    }
    return true;
  }
  bool skipping() const { return skip_depth_ > 0; }
  bool scalar(const char* what);
  bool unexpected_container(Next next, const char* what);
  bool finish_tensor();

  const SafetensorsLimits& limits_;
  ModelMetadata& out_;
  std::string error_;
  Where where_ = Where::kStart;
  Next next_ = Next::kNothing;
  uint32_t depth_ = 0;
  uint32_t skip_depth_ = 0;  // depth of the ignored value being skipped, 0 if none
  uint64_t kept_metadata_bytes_ = 0;
  std::string meta_key_;

  // The tensor being read.
  std::string name_;
  std::optional<Dtype> dtype_;
  bool has_shape_ = false;
  uint64_t elements_ = 1;
  std::vector<uint64_t> offsets_;
  bool has_offsets_ = false;

  std::vector<std::pair<uint64_t, uint64_t>> ranges_;
};

bool HeaderEvents::scalar(const char* what) {
  if (skipping()) return true;
  const Next next = std::exchange(next_, Next::kNothing);
  switch (next) {
    case Next::kIgnored:
      return true;
    case Next::kTensor:
      return tensor_error("is " + std::string(what) + ", not an object");
    case Next::kMetadata:
      return stop("__metadata__ is " + std::string(what) + ", not an object");
    case Next::kMetaValue:
      return stop("__metadata__ value " + quoted_name(meta_key_) + " is not a string");
    case Next::kDtype:
      return tensor_error("dtype is not a string");
    case Next::kShape:
      return tensor_error("shape is " + std::string(what) + ", not an array");
    case Next::kOffsets:
      return tensor_error("data_offsets is " + std::string(what) + ", not an array");
    default:
      break;
  }
  if (where_ == Where::kShape) return tensor_error("shape holds " + std::string(what));
  if (where_ == Where::kOffsets) return tensor_error("data_offsets holds " + std::string(what));
  return stop("header is not a JSON object");
}

bool HeaderEvents::number_unsigned(json::number_unsigned_t v) {
  if (skipping()) return true;
  if (where_ == Where::kShape) {
    if (v != 0 && elements_ > std::numeric_limits<uint64_t>::max() / v) {
      return tensor_error("element count overflows");
    }
    elements_ *= v;
    return true;
  }
  if (where_ == Where::kOffsets) {
    if (offsets_.size() == 2) return tensor_error("data_offsets has more than two entries");
    offsets_.push_back(v);
    return true;
  }
  return scalar("a number");
}

bool HeaderEvents::string(json::string_t& s) {
  if (skipping()) return true;
  if (next_ == Next::kDtype) {
    next_ = Next::kNothing;
    dtype_ = find_dtype(s);
    if (!dtype_) return tensor_error("unknown dtype " + quoted_name(s));
    return true;
  }
  if (next_ == Next::kMetaValue) {
    next_ = Next::kNothing;
    const uint64_t bytes = meta_key_.size() + s.size();
    if (bytes <= limits_.max_kept_metadata_bytes - kept_metadata_bytes_) {
      kept_metadata_bytes_ += bytes;
      out_.safetensors_metadata.insert_or_assign(meta_key_, std::move(s));
    }
    return true;
  }
  return scalar("a string");
}

bool HeaderEvents::key(json::string_t& k) {
  if (skipping()) return true;
  switch (where_) {
    case Where::kTop:
      if (k == "__metadata__") {
        next_ = Next::kMetadata;
      } else {
        next_ = Next::kTensor;
        name_ = std::move(k);
      }
      return true;
    case Where::kTensor:
      if (k == "dtype") {
        if (dtype_) return tensor_error("dtype given twice");
        next_ = Next::kDtype;
      } else if (k == "shape") {
        if (has_shape_) return tensor_error("shape given twice");
        next_ = Next::kShape;
      } else if (k == "data_offsets") {
        if (has_offsets_) return tensor_error("data_offsets given twice");
        next_ = Next::kOffsets;
      } else {
        next_ = Next::kIgnored;  // unknown fields are allowed, as in the safetensors library
      }
      return true;
    case Where::kMetadata:
      meta_key_ = std::move(k);
      next_ = Next::kMetaValue;
      return true;
    default:
      return stop("unexpected key " + quoted_name(k));
  }
}

// A container where `next` was expected: skipped whole when its value is
// ignored, otherwise refused as `what` in the wrong place.
bool HeaderEvents::unexpected_container(Next next, const char* what) {
  if (next == Next::kIgnored) {
    skip_depth_ = depth_;
    return true;
  }
  next_ = next;
  return scalar(what);
}

bool HeaderEvents::start_object(std::size_t) {
  if (!enter()) return false;
  if (skipping()) return true;
  const Next next = std::exchange(next_, Next::kNothing);
  if (where_ == Where::kStart) {
    where_ = Where::kTop;
    return true;
  }
  switch (next) {
    case Next::kTensor:
      where_ = Where::kTensor;
      dtype_.reset();
      has_shape_ = has_offsets_ = false;
      elements_ = 1;
      offsets_.clear();
      return true;
    case Next::kMetadata:
      where_ = Where::kMetadata;
      return true;
    default:
      return unexpected_container(next, "an object");
  }
}

bool HeaderEvents::start_array(std::size_t) {
  if (!enter()) return false;
  if (skipping()) return true;
  const Next next = std::exchange(next_, Next::kNothing);
  switch (next) {
    case Next::kShape:
      where_ = Where::kShape;
      has_shape_ = true;
      return true;
    case Next::kOffsets:
      where_ = Where::kOffsets;
      has_offsets_ = true;
      return true;
    default:
      return unexpected_container(next, "an array");
  }
}

bool HeaderEvents::end_array() {
  if (skipping()) {
    if (depth_ == skip_depth_) skip_depth_ = 0;
  } else if (where_ == Where::kShape) {
    where_ = Where::kTensor;
  } else if (where_ == Where::kOffsets) {
    if (offsets_.size() != 2) return tensor_error("data_offsets must have two entries");
    where_ = Where::kTensor;
  }
  --depth_;
  return true;
}

bool HeaderEvents::end_object() {
  --depth_;
  if (skipping()) {
    if (depth_ + 1 == skip_depth_) skip_depth_ = 0;
    return true;
  }
  switch (where_) {
    case Where::kTensor:
      where_ = Where::kTop;
      return finish_tensor();
    case Where::kMetadata:
      where_ = Where::kTop;
      return true;
    case Where::kTop:
      where_ = Where::kDone;
      return true;
    default:
      return stop("unbalanced JSON header");
  }
}

bool HeaderEvents::finish_tensor() {
  if (!dtype_) return tensor_error("has no dtype");
  if (!has_shape_) return tensor_error("has no shape");
  if (!has_offsets_) return tensor_error("has no data_offsets");
  const auto [begin, end] = std::pair(offsets_[0], offsets_[1]);
  if (begin > end) return tensor_error("data_offsets end before they begin");
  if (elements_ > std::numeric_limits<uint64_t>::max() / dtype_->bits) {
    return tensor_error("byte size overflows");
  }
  const uint64_t bits = elements_ * dtype_->bits;
  if (bits % 8 != 0) return tensor_error("does not fill a whole number of bytes");
  if (end - begin != bits / 8) {
    return tensor_error("data_offsets span " + std::to_string(end - begin) + " bytes but " +
                        std::string(dtype_->name) + " of this shape needs " +
                        std::to_string(bits / 8));
  }
  if (elements_ > std::numeric_limits<uint64_t>::max() - out_.parameter_count) {
    return tensor_error("parameter count overflows");
  }
  out_.parameter_count += elements_;
  ++out_.dtypes[std::string(dtype_->name)];
  ranges_.emplace_back(begin, end);
  return true;
}

uint64_t little_endian_u64(const uint8_t* b) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | b[i];
  return v;
}

}  // namespace

Result<ModelMetadata, std::string> parse_safetensors(ByteSource& source,
                                                     const SafetensorsLimits& limits) {
  const uint64_t file_size = source.size();
  uint8_t prefix[8];
  auto got = source.read_at(0, prefix);
  if (!got) return fail("read error: " + got.error());
  if (*got < sizeof prefix) return fail("not a safetensors file (shorter than 8 bytes)");
  const uint64_t header_bytes = little_endian_u64(prefix);
  if (header_bytes > limits.max_header_bytes) {
    return fail("header length " + std::to_string(header_bytes) + " exceeds the " +
                std::to_string(limits.max_header_bytes) + "-byte limit");
  }
  if (header_bytes > file_size - 8) {
    return fail("header length " + std::to_string(header_bytes) + " runs past the end of the " +
                std::to_string(file_size) + "-byte file");
  }

  std::string header(static_cast<size_t>(header_bytes), '\0');
  got = source.read_at(8, std::span(reinterpret_cast<uint8_t*>(header.data()), header.size()));
  if (!got) return fail("read error: " + got.error());
  if (*got < header.size()) return fail("file shrank while being read");
  if (header.empty() || header[0] != '{') return fail("header does not start with '{'");

  ModelMetadata m;
  m.format = "safetensors";
  HeaderEvents events(limits, m);
  try {
    const bool ok = json::sax_parse(header, &events, json::input_format_t::json, true);
    if (!ok || !events.finished()) {
      return fail(events.error().empty() ? std::string("invalid JSON header") : events.error());
    }
  } catch (const std::exception& e) {  // nlohmann reports through the handler; this is a backstop
    return fail(std::string("invalid JSON header: ") + e.what());
  }

  // The tensors must tile the data section: sorted by position, each starts
  // where the previous one ended, and the last ends at the end of the file.
  auto& ranges = events.ranges();
  std::sort(ranges.begin(), ranges.end());
  const uint64_t data_bytes = file_size - 8 - header_bytes;
  uint64_t covered = 0;
  for (const auto& [begin, end] : ranges) {
    if (begin != covered) {
      return fail(begin < covered ? "tensor data ranges overlap"
                                  : "gap in tensor data at offset " + std::to_string(covered));
    }
    covered = end;
  }
  if (covered != data_bytes) {
    return fail("tensors cover " + std::to_string(covered) + " bytes of data but the file holds " +
                std::to_string(data_bytes) + (covered > data_bytes ? " (truncated?)" : ""));
  }
  m.tensor_count = ranges.size();
  m.parsed = true;
  return m;
}

}  // namespace moss::models
