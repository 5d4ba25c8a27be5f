#include "moss/store/version_id.h"

#include <fmt/format.h>

#include "moss/util/clock.h"
#include "moss/util/random_id.h"

namespace moss::store {

std::string new_version_id() {
  return fmt::format("{:016x}{}", static_cast<uint64_t>(now_unix_nanos()), random_hex(8));
}

bool is_valid_version_id(std::string_view id) {
  if (id == "null") return true;
  if (id.size() != 32) return false;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace moss::store
