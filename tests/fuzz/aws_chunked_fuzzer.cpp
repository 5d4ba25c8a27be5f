// libFuzzer target: a request body through the aws-chunked decoder
// (src/s3/payload/aws_chunked_decoder.h) as payload_reader.cpp drives it:
// slices of the size the first byte picks, decoded in place, unconsumed bytes
// presented again with more. The second byte picks the mode: chunk
// signatures checked (against a fixed key, so a mutated signature is a
// mismatch, not a crash) or not, trailers announced or not. The decoder must
// stop on an error or the end, never write past its output, never produce
// more than it consumed, and count what it produced.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "s3/payload/aws_chunked_decoder.h"

using moss::s3::AwsChunkedDecoder;
using moss::s3::ChunkedError;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const size_t slice = 1 + data[0] % 128;
  const bool signed_mode = data[1] & 1;
  const bool expect_trailer = data[1] & 2;
  data += 2;
  size -= 2;

  std::optional<moss::signing::ChunkSigningContext> signing;
  if (signed_mode) {
    moss::signing::ChunkSigningContext ctx;
    ctx.key.fill(0x5a);
    ctx.amz_date = "20130524T000000Z";
    ctx.scope = "20130524/us-east-1/s3/aws4_request";
    ctx.seed_signature = std::string(64, '0');
    signing = ctx;
  }
  AwsChunkedDecoder decoder(signing, expect_trailer);

  std::vector<uint8_t> window;  // unconsumed input followed by the next slice
  size_t offered = 0;
  uint64_t produced_total = 0;
  while (true) {
    const size_t n = std::min(slice, size - offered);
    window.insert(window.end(), data + offered, data + offered + n);
    offered += n;
    if (window.empty()) break;
    // In place, as payload_reader decodes: the output aliases the input.
    auto step = decoder.decode(window, std::span<uint8_t>(window.data(), window.size()));
    if (step.consumed > window.size() || step.produced > step.consumed) std::abort();
    produced_total += step.produced;
    if (step.error != ChunkedError::kNone) break;
    window.erase(window.begin(), window.begin() + static_cast<ptrdiff_t>(step.consumed));
    if (decoder.finished()) break;
    if (n == 0 && step.consumed == 0) break;  // the input ended inside a line
  }
  if (decoder.decoded_size() != produced_total) std::abort();
  return 0;
}
