#include "s3/payload/upload_buffers.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "moss/store/blob_store.h"

namespace moss::s3 {
namespace {

// A size no other test in the process asks for, so the pool's buffers of it
// are this test's.
constexpr size_t kSize = (1 << 20) + 3 * 4096;

TEST(UploadBuffer, IsAlignedForDirectIoAndRoundedUp) {
  UploadBuffer buffer(1000);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(buffer.data()) % store::BlobWriter::kPreferredAlignment,
            0u);
  EXPECT_EQ(buffer.span().size(), store::BlobWriter::kPreferredAlignment);
}

TEST(UploadBuffer, AGivenBackBufferIsTheNextOneTaken) {
  uint8_t* first = nullptr;
  {
    UploadBuffer buffer(kSize);
    first = buffer.data();
    buffer.span()[0] = 7;
  }
  UploadBuffer again(kSize);
  EXPECT_EQ(again.data(), first);
  EXPECT_EQ(again.span().size(), kSize);
}

TEST(UploadBuffer, ThePoolKeepsNoMoreThanItsBound) {
  {
    std::vector<UploadBuffer> many;
    for (size_t i = 0; i < kUploadBufferPoolBytes / kSize + 8; ++i) many.emplace_back(kSize);
  }
  EXPECT_LE(upload_buffer_pool_bytes(), kUploadBufferPoolBytes);
  EXPECT_GE(upload_buffer_pool_bytes(), kUploadBufferPoolBytes - kSize);
}

}  // namespace
}  // namespace moss::s3
