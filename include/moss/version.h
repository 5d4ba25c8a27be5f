#pragma once

namespace moss {
inline constexpr const char* kVersion = "0.1.0";
}
