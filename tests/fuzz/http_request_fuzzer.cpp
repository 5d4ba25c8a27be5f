// libFuzzer target: the bytes of a connection through Beast's request parser,
// configured as src/http/connection.cpp configures it (a 32 KiB head limit,
// the server's default; no body limit, sizes are the S3 layer's to enforce; a
// buffer_body read in fixed slices, chunked bodies decoded by the parser), one
// keep-alive request after another. The input arrives in pieces whose sizes
// the first byte picks, so a head or a chunk split across reads is covered.
// The read buffer is bounded as the connection's is, and a chunk-size line
// holding a quote is refused where the server refuses it
// (http/chunk_line_guard.h). Whatever the bytes, parsing must end (an error or
// a request) without a crash, a leak or undefined behaviour, and a body never
// exceeds its length.
#include <algorithm>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "http/chunk_line_guard.h"

namespace bhttp = boost::beast::http;

namespace {

constexpr size_t kMaxHeaderBytes = 32 * 1024;  // moss::http::ServerConfig's default
constexpr size_t kBodyBuffer = 4096;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t piece = 1 + data[0] % 64;  // bytes each simulated read delivers
  const uint8_t* in = data + 1;
  size_t left = size - 1;

  boost::beast::flat_buffer pending(kMaxHeaderBytes);  // the connection's read buffer
  auto deliver = [&]() {
    if (left == 0) return false;
    const size_t n = std::min(piece, left);
    if (pending.size() + n > pending.max_size()) return false;  // the 400 for framing too long
    auto dest = pending.prepare(n);
    std::memcpy(dest.data(), in, n);
    pending.commit(n);
    in += n;
    left -= n;
    return true;
  };

  std::vector<uint8_t> body(kBodyBuffer);
  while (true) {
    bhttp::request_parser<bhttp::buffer_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(kMaxHeaderBytes));
    parser.body_limit(boost::none);
    boost::beast::error_code ec;
    // The head.
    while (!parser.is_header_done()) {
      if (pending.size() == 0 && !deliver()) return 0;
      const size_t used = parser.put(pending.data(), ec);
      pending.consume(used);
      if (ec == bhttp::error::need_more) {
        if (!deliver()) return 0;
        ec = {};
        continue;
      }
      if (ec) return 0;
    }
    // The body, through the fixed buffer, as much as each read allows.
    parser.eager(true);
    uint64_t received = 0;
    const auto length = parser.content_length();
    while (!parser.is_done()) {
      parser.get().body().data = body.data();
      parser.get().body().size = body.size();
      if (pending.size() == 0 && !deliver()) {
        parser.put_eof(ec);
        return 0;
      }
      const size_t used = parser.put(pending.data(), ec);
      pending.consume(used);
      received += body.size() - parser.get().body().size;
      if (ec == bhttp::error::need_buffer || ec == bhttp::error::need_more) {
        if (ec == bhttp::error::need_more) {
          const auto* unparsed = static_cast<const char*>(pending.data().data());
          if (moss::http::chunk_line_has_quote({unparsed, pending.size()})) return 0;
          if (!deliver()) return 0;
        }
        ec = {};
        continue;
      }
      if (ec) return 0;
    }
    if (length && received != *length) std::abort();
    if (!parser.keep_alive()) return 0;
  }
}
