#include "s3/payload/upload_buffers.h"

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <new>
#include <utility>
#include <vector>

#include "moss/store/blob_store.h"

namespace moss::s3 {
namespace {

constexpr size_t kAlignment = store::BlobWriter::kPreferredAlignment;

size_t round_up(size_t n) {
  return std::max(kAlignment, (n + kAlignment - 1) / kAlignment * kAlignment);
}

struct Pool {
  std::mutex mutex;
  std::vector<std::pair<size_t, uint8_t*>> kept;  // (size, buffer)
  size_t bytes = 0;
};

// Leaked on purpose: buffers may come back from threads that outlive statics.
Pool& pool() {
  static auto* p = new Pool;
  return *p;
}

uint8_t* take(size_t size) {
  {
    Pool& p = pool();
    std::lock_guard lock(p.mutex);
    for (auto it = p.kept.rbegin(); it != p.kept.rend(); ++it) {
      if (it->first == size) {
        uint8_t* data = it->second;
        p.kept.erase(std::next(it).base());
        p.bytes -= size;
        return data;
      }
    }
  }
  auto* data = static_cast<uint8_t*>(std::aligned_alloc(kAlignment, size));
  if (!data) throw std::bad_alloc();
  return data;
}

void give_back(size_t size, uint8_t* data) {
  {
    Pool& p = pool();
    std::lock_guard lock(p.mutex);
    if (p.bytes + size <= kUploadBufferPoolBytes) {
      p.kept.emplace_back(size, data);
      p.bytes += size;
      return;
    }
  }
  std::free(data);
}

}  // namespace

UploadBuffer::UploadBuffer(size_t size) : size_(round_up(size)), data_(take(size_)) {}

UploadBuffer::~UploadBuffer() {
  if (data_) give_back(size_, data_);
}

size_t upload_buffer_pool_bytes() {
  Pool& p = pool();
  std::lock_guard lock(p.mutex);
  return p.bytes;
}

}  // namespace moss::s3
