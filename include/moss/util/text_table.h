// Plain-text tables for terminal output: the CLI's listings and the audit
// query share one layout.
#pragma once

#include <string>
#include <vector>

namespace moss {

// Rows padded to each column's widest cell, two spaces apart, each ending in
// '\n'. The last cell of a row is not padded; rows may have different lengths.
std::string format_text_table(const std::vector<std::vector<std::string>>& rows);

}  // namespace moss
