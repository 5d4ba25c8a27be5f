#pragma once
// A response head as bytes on the wire, and the check every head passes first.
//
// The last line of defence against response splitting: a head whose field
// holds CR, LF or another control character (RFC 9110 section 5.5) is never
// written. Callers validate what they echo; these throw std::invalid_argument
// (before anything is sent, so the handler can still answer with an error) if
// one did not.

#include <string>

#include "moss/http/exchange.h"

namespace moss::http {

void refuse_unsafe_fields(const ResponseHead& head);

// Appends the head exactly as Beast's serializer writes it: the status line
// (the reason phrase set, or the standard one), each field as "Name: value",
// a blank line. Checks each value on the way; throws with nothing appended.
// By hand because the serializer's buffer sequences cost more than the rest
// of a small GET's head put together (callgrind: about 7,000 of its 90,000
// instructions).
void append_response_head(std::string& out, const ResponseHead& head);

}  // namespace moss::http
