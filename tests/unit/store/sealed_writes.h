// A test body written into a store: sealed as a new blob, then described as a
// version of a key. The first steps of almost every store and model test;
// each test adds what its case needs (content SHA-256, metadata, a time).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "moss/store/object_store.h"

namespace moss::testing {

// `body` written and sealed as a new blob of `store`.
inline std::unique_ptr<store::SealedBlob> seal_body(store::ObjectStore& store,
                                                    std::string_view body) {
  auto writer = store.begin_blob({});
  EXPECT_TRUE(writer.ok());
  if (!writer.ok()) return nullptr;
  EXPECT_TRUE(
      (*writer)->write(std::span(reinterpret_cast<const uint8_t*>(body.data()), body.size())).ok());
  auto sealed = (*writer)->seal();
  EXPECT_TRUE(sealed.ok());
  return sealed.ok() ? std::move(*sealed) : nullptr;
}

// A version of `key` whose bytes are `blob`, owned by "owner", its ETag the
// blob's MD5; no content SHA-256 (as a multipart upload's before hashing).
inline store::NewVersion version_of(const std::string& key, const store::SealedBlob& blob) {
  store::NewVersion v;
  v.key = key;
  v.segments = {store::BlobSegment{blob.sha256_hex(), blob.size()}};
  v.size = blob.size();
  v.etag = blob.md5_hex();
  v.owner = "owner";
  return v;
}

}  // namespace moss::testing
