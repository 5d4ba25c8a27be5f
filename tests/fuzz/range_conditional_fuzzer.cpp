// libFuzzer target: the Range header and the conditional headers of a GET
// (src/s3/handlers/range.h, conditional.h). Fields separated by newlines: an
// object size, Range, If-Match, If-None-Match, If-Modified-Since,
// If-Unmodified-Since. A partial answer must lie inside the object; every
// header must be answered without a crash or undefined behaviour.
#include <charconv>
#include <cstdint>
#include <cstdlib>

#include "fuzz_input.h"
#include "s3/handlers/conditional.h"
#include "s3/handlers/range.h"

using namespace moss::s3;

namespace {

std::optional<std::string> header(std::string_view field) {
  if (field.empty()) return std::nullopt;
  return std::string(field);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto fields = moss::fuzz::split_fields(data, size, 6);
  uint64_t object_size = 0;
  std::from_chars(fields[0].data(), fields[0].data() + fields[0].size(), object_size);

  const RangeDecision range = evaluate_range(fields[1], object_size);
  if (range.kind == RangeDecision::kPartial) {
    if (range.range.first > range.range.last || range.range.last >= object_size) std::abort();
  }

  Preconditions p;
  p.if_match = header(fields[2]);
  p.if_none_match = header(fields[3]);
  p.if_modified_since = header(fields[4]);
  p.if_unmodified_since = header(fields[5]);
  evaluate_read_preconditions(p, "\"9b2cf535f27731c974343645a3985328\"", 1'700'000'000);
  evaluate_read_preconditions(p, "\"\"", 0);
  etag_list_matches(fields[2], "\"9b2cf535f27731c974343645a3985328\"");
  return 0;
}
