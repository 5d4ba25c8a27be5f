// IAM-style wildcard matching, as policies use it in Action, Resource and
// StringLike conditions: `*` matches any run of characters (also none, also
// across `/`), `?` matches exactly one character; every other character matches
// itself. There is no escape: a policy cannot name a literal `*`.
//
// Runs the two-pointer greedy algorithm: it remembers only the last `*` seen
// and retries from there, so no pattern can make it backtrack exponentially
// (`*a*a*a*a*b` against a long run of `a` costs at most pattern x text steps,
// in practice close to the text's length).
#pragma once

#include <cstddef>
#include <string_view>

namespace moss::s3 {

enum class LetterCase {
  kSensitive,    // resources and condition values: S3 keys are case-sensitive
  kInsensitive,  // actions: IAM treats "s3:getobject" as "s3:GetObject" (ASCII only)
};

// True when `pattern` matches the whole of `text`. `?` consumes one UTF-8
// character, not one byte, so "models/?" matches "models/é". When `steps` is
// given, the number of comparison steps taken is added to it (tests use it to
// show the cost stays bounded).
bool wildcard_match(std::string_view pattern, std::string_view text, LetterCase letter_case,
                    size_t* steps = nullptr);

}  // namespace moss::s3
