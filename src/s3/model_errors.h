// The one place model-layer errors become S3 errors (the codes of errors.h;
// registry API answers render the same errors as JSON).
#pragma once

#include <type_traits>

#include "moss/models/model_error.h"
#include "s3/errors.h"

namespace moss::s3 {

// kNoSuchTag answers NoSuchTag, or NoSuchKey where S3 clients read a tag key
// like any object (`tag_as_key`).
S3Error to_s3_error(const models::ModelError& error, bool tag_as_key = false);

// Unwraps a model result (void included) or throws its S3 error.
template <class T>
T value_or_throw(models::ModelResult<T> result, bool tag_as_key = false) {
  if (!result) throw to_s3_error(result.error(), tag_as_key);
  if constexpr (!std::is_void_v<T>) return std::move(*result);
}

}  // namespace moss::s3
