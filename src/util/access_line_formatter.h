#pragma once
// The access log's line layout, without spdlog's pattern machinery (a virtual
// call and a padding check per flag: about 1,700 instructions of every
// request). The same bytes as the patterns
//   text  "%Y-%m-%dT%H:%M:%S.%eZ access {%v}"
//   json  {"time":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l","logger":"access",%v}
// in UTC, which the unit tests compare against spdlog's pattern formatter.

#include <spdlog/formatter.h>

#include <memory>

#include "moss/util/logging.h"

namespace moss {

std::unique_ptr<spdlog::formatter> make_access_line_formatter(LogFormat format);

}  // namespace moss
