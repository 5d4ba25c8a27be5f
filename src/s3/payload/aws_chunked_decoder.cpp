// aws-chunked decoding. The caller keeps any partial line and presents it
// again with more bytes, so the decoder holds no line buffer: a line is parsed
// only when its CRLF is in view, and payload bytes are moved straight to `out`.
//
// finished() is true only once the encoding has ended for certain: after the
// CRLF that closes the final chunk, or the empty line that closes the trailers.
// Nothing may follow it, so a caller can read until finished() and then expect
// the end of the body. A body cut short anywhere, even just before that last
// CRLF, is not finished.
//
// Framing accepted beyond the grammar in the header, because real clients
// send it:
//   - Trailer lines whose CRLF-terminated text holds several "name:value"
//     fields separated by bare LF: minio-go writes "name:value\n" per trailer
//     and then "\r\n" (signed: "\r\nx-amz-trailer-signature:<sig>\r\n\r\n").
//   - One empty line between the final chunk and the trailers ("0\r\n\r\n"
//     then the trailers), as older minio-go wrote it and as the AWS trailer
//     example is often copied. Since trailers were announced, that line is
//     taken as a separator rather than as the end of an empty trailer section.
//
// In unsigned modes chunk extensions (including a chunk-signature) are ignored,
// and so is an x-amz-trailer-signature line: there is no key to check it with.
#include "s3/payload/aws_chunked_decoder.h"

#include <algorithm>
#include <cstring>

#include "moss/util/ascii.h"
#include "moss/util/hex.h"

namespace moss::s3 {

// SigV4 verification is written in the signing library's vocabulary.
using namespace ::moss::signing;
namespace {

constexpr size_t kMaxLineLength = 4096;  // bytes before the CRLF
constexpr uint64_t kMaxChunkSize = uint64_t{1} << 40;
constexpr size_t kMaxTrailerFields = 64;
// The whole trailer section, however its lines are spent (fields, blank
// LF-separated runs, unsigned modes' ignored signature lines).
constexpr size_t kMaxTrailerSectionBytes = 16 * 1024;
constexpr std::string_view kChunkSignature = "chunk-signature";
constexpr std::string_view kTrailerSignature = "x-amz-trailer-signature";

bool is_signature(std::string_view text) { return text.size() == 64 && is_hex(text); }

bool is_control(char c) {
  auto u = static_cast<unsigned char>(c);
  return (u < 0x20 && c != '\t') || u == 0x7f;
}

// An HTTP token character (RFC 9110 tchar): what a field name may contain.
bool is_token_char(char c) {
  if (is_ascii_alnum(c)) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// Where the line at the front of `in` ends: the offset of its CRLF, npos when
// the CRLF is not in view yet, or nullopt when the line is too long.
std::optional<size_t> find_line_end(std::span<const uint8_t> in) {
  size_t window = std::min(in.size(), kMaxLineLength + 2);
  for (size_t i = 0; i + 1 < window; ++i) {
    if (in[i] == '\r' && in[i + 1] == '\n') return i;
  }
  if (window == kMaxLineLength + 2) return std::nullopt;
  return std::string_view::npos;
}

}  // namespace

AwsChunkedDecoder::AwsChunkedDecoder(std::optional<ChunkSigningContext> signing,
                                     bool expect_trailer)
    : signing_(std::move(signing)), expect_trailer_(expect_trailer) {
  if (signing_) {
    previous_signature_ = signing_->seed_signature;
  }
}

bool AwsChunkedDecoder::finished() const {
  return state_ == State::kDone && error_ == ChunkedError::kNone;
}

bool AwsChunkedDecoder::fail(ChunkedError error) {
  error_ = error;
  return false;
}

AwsChunkedDecoder::Step AwsChunkedDecoder::decode(std::span<const uint8_t> in,
                                                  std::span<uint8_t> out) {
  Step step;
  while (error_ == ChunkedError::kNone && step.consumed < in.size()) {
    std::span<const uint8_t> rest = in.subspan(step.consumed);
    switch (state_) {
      case State::kData: {
        size_t room = out.size() - step.produced;
        size_t n =
            static_cast<size_t>(std::min<uint64_t>(chunk_remaining_, std::min(rest.size(), room)));
        if (n == 0) return step;  // `out` is full
        uint8_t* dest = out.data() + step.produced;
        std::memmove(dest, rest.data(), n);
        // Hash the copy: in place, the source may already be overwritten.
        if (chunk_hash_) chunk_hash_->update(std::span<const uint8_t>(dest, n));
        step.consumed += n;
        step.produced += n;
        chunk_remaining_ -= n;
        decoded_size_ += n;
        if (chunk_remaining_ == 0 && finish_chunk()) state_ = State::kDataCrlf;
        break;
      }
      case State::kDataCrlf:
      case State::kFinalCrlf: {
        if (rest[0] != '\r' || (rest.size() > 1 && rest[1] != '\n')) {
          fail(ChunkedError::kMalformed);
          break;
        }
        if (rest.size() < 2) return step;  // wait for the LF
        step.consumed += 2;
        state_ = state_ == State::kDataCrlf ? State::kSizeLine : State::kDone;
        break;
      }
      case State::kSizeLine:
      case State::kTrailerLine: {
        std::optional<size_t> end = find_line_end(rest);
        if (!end) {
          fail(state_ == State::kSizeLine ? ChunkedError::kMalformed
                                          : ChunkedError::kMalformedTrailer);
          break;
        }
        if (*end == std::string_view::npos) return step;  // wait for the CRLF
        std::string_view line(reinterpret_cast<const char*>(rest.data()), *end);
        bool ok = state_ == State::kSizeLine ? on_size_line(line) : on_trailer_line(line);
        if (ok) step.consumed += *end + 2;
        break;
      }
      case State::kDone:
        fail(ChunkedError::kTrailingData);
        break;
    }
  }
  step.error = error_;
  return step;
}

bool AwsChunkedDecoder::on_size_line(std::string_view line) {
  size_t semicolon = line.find(';');
  std::string_view size_text = line.substr(0, semicolon);
  while (!size_text.empty() && is_ows(size_text.back())) size_text.remove_suffix(1);
  if (size_text.empty()) return fail(ChunkedError::kMalformed);
  uint64_t size = 0;
  for (char c : size_text) {
    int digit = hex_digit_value(c);
    if (digit < 0) return fail(ChunkedError::kMalformed);
    size = size * 16 + static_cast<uint64_t>(digit);
    if (size > kMaxChunkSize) return fail(ChunkedError::kMalformed);
  }
  std::string_view extensions =
      semicolon == std::string_view::npos ? std::string_view() : line.substr(semicolon + 1);
  if (std::any_of(extensions.begin(), extensions.end(), is_control)) {
    return fail(ChunkedError::kMalformed);
  }

  if (signing_) {
    // Signed chunks carry exactly one extension, the signature.
    std::string_view signature;
    bool found = false;
    while (!extensions.empty()) {
      size_t next = extensions.find(';');
      std::string_view extension = trim_ows(extensions.substr(0, next));
      extensions =
          next == std::string_view::npos ? std::string_view() : extensions.substr(next + 1);
      size_t eq = extension.find('=');
      if (found || eq == std::string_view::npos ||
          trim_ows(extension.substr(0, eq)) != kChunkSignature) {
        return fail(ChunkedError::kMalformed);
      }
      signature = trim_ows(extension.substr(eq + 1));
      found = true;
    }
    if (!found) return fail(ChunkedError::kMissingChunkSignature);
    if (!is_signature(signature)) return fail(ChunkedError::kMalformed);
    chunk_signature_ = ascii_lowercase(signature);
    chunk_hash_ = make_hasher(DigestAlgorithm::kSha256);
  }

  chunk_remaining_ = size;
  if (size > 0) {
    state_ = State::kData;
    return true;
  }
  if (!finish_chunk()) return false;
  if (expect_trailer_) {
    state_ = State::kTrailerLine;
  } else {
    state_ = State::kFinalCrlf;
  }
  return true;
}

bool AwsChunkedDecoder::finish_chunk() {
  if (!signing_) return true;
  std::string expected =
      sign(signing_->key, chunk_string_to_sign(signing_->amz_date, signing_->scope,
                                               previous_signature_, to_hex(chunk_hash_->final())));
  if (!constant_time_equal(expected, chunk_signature_)) {
    return fail(ChunkedError::kChunkSignatureMismatch);
  }
  previous_signature_ = chunk_signature_;
  return true;
}

bool AwsChunkedDecoder::on_trailer_line(std::string_view line) {
  trailer_section_bytes_ += line.size() + 2;
  if (trailer_section_bytes_ > kMaxTrailerSectionBytes) {
    return fail(ChunkedError::kMalformedTrailer);
  }
  if (line.empty()) {
    if (trailers_.empty() && !trailer_signature_seen_ && !blank_before_trailers_) {
      blank_before_trailers_ = true;  // a separator some clients send, see above
      return true;
    }
    if (signing_ && !trailer_signature_seen_) return fail(ChunkedError::kMissingTrailerSignature);
    state_ = State::kDone;
    return true;
  }
  // Usually one field; several when a client separates them with bare LF.
  while (!line.empty()) {
    size_t newline = line.find('\n');
    std::string_view field = line.substr(0, newline);
    line = newline == std::string_view::npos ? std::string_view() : line.substr(newline + 1);
    if (trim_ows(field).empty()) continue;
    if (!on_trailer_field(field)) return false;
  }
  return true;
}

bool AwsChunkedDecoder::on_trailer_field(std::string_view field) {
  size_t colon = field.find(':');
  if (colon == 0 || colon == std::string_view::npos) return fail(ChunkedError::kMalformedTrailer);
  std::string_view name = field.substr(0, colon);
  std::string_view value = trim_ows(field.substr(colon + 1));
  if (!std::all_of(name.begin(), name.end(), is_token_char) ||
      std::any_of(value.begin(), value.end(), is_control)) {
    return fail(ChunkedError::kMalformedTrailer);
  }
  // Nothing may follow the trailer signature: it would be unsigned.
  if (trailer_signature_seen_) return fail(ChunkedError::kMalformedTrailer);
  std::string lower_name = ascii_lowercase(name);

  if (lower_name == kTrailerSignature) {
    if (!signing_) return true;
    if (!is_signature(value)) return fail(ChunkedError::kMalformedTrailer);
    std::string expected =
        sign(signing_->key, trailer_string_to_sign(signing_->amz_date, signing_->scope,
                                                   previous_signature_, canonical_trailers_));
    if (!constant_time_equal(expected, ascii_lowercase(value))) {
      return fail(ChunkedError::kTrailerSignatureMismatch);
    }
    trailer_signature_seen_ = true;
    return true;
  }

  if (trailers_.size() == kMaxTrailerFields) return fail(ChunkedError::kMalformedTrailer);
  canonical_trailers_.append(lower_name).append(":").append(value).append("\n");
  trailers_.emplace_back(std::move(lower_name), std::string(value));
  return true;
}

}  // namespace moss::s3
