#pragma once
// A guard in front of Beast's chunked-body parser.
//
// Beast 1.81 looks for the closing quote of a quoted chunk-extension value
// (`5;name="value"`) up to the end of everything buffered, past the end of the
// chunk-size line, and starts over on every read until a quote arrives: a
// client that sends such a line a few bytes at a time makes the server scan
// the buffer once per read, quadratic in what it sends (found by the
// http_request fuzzer; docs/fuzzing.md). No S3 client sends quoted chunk
// extensions (aws-chunked signatures travel in the payload, not here), so a
// chunk-size line that holds a quote is refused before the parser sees more.

#include <string_view>

namespace moss::http {

// `pending` is the unparsed input at a point where the parser waits for more
// of the chunk framing: it begins with a chunk-size line (possibly after the
// CRLF that ends the previous chunk's data). True if that line, complete or
// not, holds a double quote.
bool chunk_line_has_quote(std::string_view pending);

}  // namespace moss::http
