#include "moss/store/version_id.h"

#include <fmt/format.h>

#include "moss/util/clock.h"
#include "moss/util/hex.h"
#include "moss/util/random_id.h"

namespace moss::store {

std::string new_version_id() {
  return fmt::format("{:016x}{}", static_cast<uint64_t>(now_unix_nanos()), random_hex(8));
}

bool is_valid_version_id(std::string_view id) {
  if (id == "null") return true;
  return id.size() == 32 && is_lower_hex(id);
}

}  // namespace moss::store
