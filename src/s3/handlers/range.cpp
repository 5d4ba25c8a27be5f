#include "s3/handlers/range.h"

#include <limits>

#include "moss/util/ascii.h"

namespace moss::s3 {
namespace {

// A non-empty run of decimal digits. Values past 2^64-1 saturate: they are past the
// end of any object, which is all that matters about them.
bool parse_position(std::string_view text, uint64_t& value) {
  if (text.empty()) return false;
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  uint64_t v = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return false;
    const auto digit = static_cast<uint64_t>(c - '0');
    v = v > (kMax - digit) / 10 ? kMax : v * 10 + digit;
  }
  value = v;
  return true;
}

RangeDecision whole() { return {}; }
RangeDecision unsatisfiable() { return {RangeDecision::kUnsatisfiable, {}}; }
RangeDecision partial(uint64_t first, uint64_t last) {
  return {RangeDecision::kPartial, {first, last}};
}

// Decides one range-spec ("a-b", "a-" or "-n").
RangeDecision evaluate_spec(std::string_view spec, uint64_t object_size) {
  const size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return whole();
  const std::string_view first_text = spec.substr(0, dash);
  const std::string_view last_text = spec.substr(dash + 1);

  if (first_text.empty()) {  // suffix: the last n bytes
    uint64_t n = 0;
    if (!parse_position(last_text, n)) return whole();
    if (n == 0) return unsatisfiable();
    // S3 answers a suffix range on an empty object with 200 and the (empty) object,
    // where a range with a first byte gets 416.
    if (object_size == 0) return whole();
    return partial(n >= object_size ? 0 : object_size - n, object_size - 1);
  }

  uint64_t first = 0;
  if (!parse_position(first_text, first)) return whole();
  uint64_t last = std::numeric_limits<uint64_t>::max();
  if (!last_text.empty() && !parse_position(last_text, last)) return whole();
  if (first > last) return whole();  // syntactically invalid: S3 ignores the header
  if (first >= object_size) return unsatisfiable();
  return partial(first, last < object_size ? last : object_size - 1);
}

}  // namespace

RangeDecision evaluate_range(std::string_view header, uint64_t object_size) {
  header = trim_ows(header);
  const size_t eq = header.find('=');
  if (eq == std::string_view::npos) return whole();
  if (!ascii_iequals(trim_ows(header.substr(0, eq)), "bytes")) return whole();

  // range-set is a comma list; empty elements are allowed and skipped (RFC 9110
  // section 5.6.1). S3 serves only single ranges and ignores a header with several.
  std::string_view set = header.substr(eq + 1);
  std::string_view spec;
  size_t specs = 0;
  while (true) {
    const size_t comma = set.find(',');
    const std::string_view element = trim_ows(set.substr(0, comma));
    if (!element.empty()) {
      spec = element;
      ++specs;
    }
    if (comma == std::string_view::npos) break;
    set.remove_prefix(comma + 1);
  }
  if (specs != 1) return whole();
  return evaluate_spec(spec, object_size);
}

}  // namespace moss::s3
