// The one place storage errors become S3 errors.
#pragma once

#include <type_traits>

#include "moss/store/store_error.h"
#include "s3/errors.h"

namespace moss::s3 {

S3Error to_s3_error(const store::StoreError& error);

// Unwraps a store result (void included) or throws its S3 error.
template <class T>
T value_or_throw(store::StoreResult<T> result) {
  if (!result) throw to_s3_error(result.error());
  if constexpr (!std::is_void_v<T>) return std::move(*result);
}

}  // namespace moss::s3
