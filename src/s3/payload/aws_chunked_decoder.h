// Incremental decoder of the aws-chunked content encoding used by SigV4
// streaming uploads:
//
//   <hex-size>[;chunk-signature=<sig>]\r\n<data>\r\n ... 0[;chunk-signature=<sig>]\r\n
//   [<trailer-name>:<value>\r\n ... [x-amz-trailer-signature:<sig>\r\n]] \r\n
//
// It is fed the raw request body in arbitrary slices and yields the decoded
// payload. When a signing context is given, every chunk signature is checked
// against the chain that starts at the seed signature (the Authorization
// header's), and a trailer signature is required and checked.
//
// Thread-compatible; one instance per request.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "moss/signing/sigv4.h"
#include "moss/util/digest.h"

namespace moss::s3 {

using signing::ChunkSigningContext;

enum class ChunkedError {
  kNone,
  kMalformed,  // bad hex size, missing CRLF, bad extension, oversized line
  kChunkSignatureMismatch,
  kMissingChunkSignature,
  kTrailerSignatureMismatch,
  kMissingTrailerSignature,
  kMalformedTrailer,  // also: a trailer section past its size bound
  kTrailingData,  // bytes after the end of the encoding
};

class AwsChunkedDecoder {
 public:
  // `signing`: verify chunk (and trailer) signatures; nullopt for unsigned modes.
  // `expect_trailer`: the request announced trailers (x-amz-trailer).
  AwsChunkedDecoder(std::optional<ChunkSigningContext> signing, bool expect_trailer);

  struct Step {
    size_t consumed = 0;  // bytes of `in` used
    size_t produced = 0;  // payload bytes written to `out`
    ChunkedError error = ChunkedError::kNone;
  };

  // Decodes as much of `in` as possible into `out`. `out` may alias `in` as long
  // as out.data() <= in.data() (in-place decoding: payload is memmove'd down).
  // Unconsumed input (a partial line) must be presented again, followed by more.
  // A chunk's signature is verified when its last byte has been decoded, so an
  // error can follow payload bytes already produced: callers discard the upload.
  Step decode(std::span<const uint8_t> in, std::span<uint8_t> out);

  // The final chunk and the trailer section have been read completely.
  bool finished() const;
  uint64_t decoded_size() const { return decoded_size_; }
  // Trailer fields (names lowercased), x-amz-trailer-signature excluded.
  const std::vector<std::pair<std::string, std::string>>& trailers() const { return trailers_; }

 private:
  // finished() is state_ == kDone: nothing may follow, so callers can read
  // until it turns true. Framing leniencies are listed in the .cpp.
  enum class State {
    kSizeLine,     // "<hex>[;extensions]\r\n"
    kData,         // chunk_remaining_ payload bytes
    kDataCrlf,     // the "\r\n" closing a chunk's data
    kFinalCrlf,    // no trailer announced: the "\r\n" after the 0-size chunk
    kTrailerLine,  // "name:value\r\n" fields up to an empty line
    kDone,         // nothing may follow
  };
  // Each takes one complete line (CRLF removed); false when it set error_.
  bool on_size_line(std::string_view line);
  bool on_trailer_line(std::string_view line);
  bool on_trailer_field(std::string_view field);
  // Verifies the signature of the chunk whose data was just decoded.
  bool finish_chunk();
  bool fail(ChunkedError error);

  std::optional<ChunkSigningContext> signing_;
  bool expect_trailer_;
  State state_ = State::kSizeLine;
  ChunkedError error_ = ChunkedError::kNone;
  uint64_t chunk_remaining_ = 0;
  uint64_t decoded_size_ = 0;
  std::string previous_signature_;      // starts as the seed signature
  std::string chunk_signature_;         // of the chunk being decoded
  std::unique_ptr<Hasher> chunk_hash_;  // SHA-256 of the current chunk (signed modes only)
  std::vector<std::pair<std::string, std::string>> trailers_;
  std::string canonical_trailers_;      // "name:value\n" per field, as signed
  bool blank_before_trailers_ = false;  // the separator line was seen
  bool trailer_signature_seen_ = false;
  size_t trailer_section_bytes_ = 0;  // bounded: see kMaxTrailerSectionBytes
};

}  // namespace moss::s3
