// Which text goes into a JSON string as it is: the question every access line
// and audit line asks of each field before it copies it whole.
#pragma once

#include <string_view>

namespace moss {

// True when `text` needs no escaping in a JSON string and no UTF-8 check:
// printable ASCII (0x20-0x7f) but '"' and '\\'. Keys, ids, addresses and
// dates almost always are.
bool is_plain_json_text(std::string_view text);

}  // namespace moss
