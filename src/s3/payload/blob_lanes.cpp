#include "s3/payload/blob_lanes.h"

#include <algorithm>
#include <atomic>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

#include "moss/util/offload.h"
#include "s3/errors.h"
#include "s3/payload/upload_buffers.h"
#include "s3/store_errors.h"

namespace moss::s3 {
namespace {

// A buffer's number, sent back when the last lane is done with it.
using FreedBuffers =
    boost::asio::experimental::concurrent_channel<void(boost::system::error_code, size_t)>;
using LaneStrand = boost::asio::strand<boost::asio::thread_pool::executor_type>;

// Buffers past an upload's first two come out of this budget, shared by the
// process: a lone upload grows its ring until the lanes stop falling behind,
// and many at once hold no more than two buffers each plus the budget.
constexpr int64_t kSpareBufferBytes = 32 << 20;
std::atomic<int64_t> spare_buffer_bytes_left{kSpareBufferBytes};
constexpr size_t kOwnBuffers = 2;

bool take_spare(size_t bytes) {
  int64_t left = spare_buffer_bytes_left.load(std::memory_order_relaxed);
  while (left >= static_cast<int64_t>(bytes)) {
    if (spare_buffer_bytes_left.compare_exchange_weak(left, left - static_cast<int64_t>(bytes))) {
      return true;
    }
  }
  return false;
}

// What the coroutine and the lanes' jobs share; every job holds a reference.
struct LaneRun {
  LaneRun(const boost::asio::any_io_executor& home, boost::asio::thread_pool& pool,
          std::unique_ptr<store::BlobWriter> w, size_t buffer_size, size_t max_buffers)
      : writer(std::move(w)),
        buffer_size(buffer_size),
        max_buffers(std::max(max_buffers, kOwnBuffers)),
        lanes_left(std::make_unique<std::atomic<size_t>[]>(this->max_buffers)),
        freed(home, this->max_buffers) {
    for (size_t i = 0; i < writer->lane_count(); ++i) {
      lanes.push_back(boost::asio::make_strand(pool.get_executor()));
    }
  }
  ~LaneRun() {
    if (buffers.size() > kOwnBuffers) {
      spare_buffer_bytes_left += static_cast<int64_t>((buffers.size() - kOwnBuffers) * buffer_size);
    }
  }

  // Adds a buffer to the ring if this upload may have one more; its number.
  std::optional<size_t> grow() {
    if (buffers.size() >= max_buffers) return std::nullopt;
    if (buffers.size() >= kOwnBuffers && !take_spare(buffer_size)) return std::nullopt;
    buffers.emplace_back(buffer_size);
    return buffers.size() - 1;
  }

  void fail(store::StoreError e) {
    std::lock_guard lock(error_mutex);
    if (!error) error = std::move(e);
    failed.store(true, std::memory_order_release);
  }

  // Runs every lane on the first `size` bytes of `buffer`, each lane's chunks
  // in the order given; after a failure the lanes only give buffers back.
  static void submit(const std::shared_ptr<LaneRun>& run, size_t buffer, size_t size) {
    run->lanes_left[buffer].store(run->lanes.size(), std::memory_order_relaxed);
    // The lanes get the bytes' address: `buffers` itself is the coroutine's.
    const uint8_t* data = run->buffers[buffer].data();
    for (size_t lane = 0; lane < run->lanes.size(); ++lane) {
      boost::asio::post(
          run->lanes[lane], [run = std::shared_ptr(run), buffer, data, size, lane]() mutable {
            if (!run->failed.load(std::memory_order_acquire)) {
              try {
                auto written = run->writer->write_lane(lane, {data, size});
                if (!written) run->fail(std::move(written.error()));
              } catch (const std::exception& e) {
                run->fail(store::StoreError{store::StoreErrc::kIo, e.what()});
              }
            }
            // The job lets go of the run before it gives the buffer back. Once the
            // last buffer is back the coroutine may finish, and with it the
            // executor the channel belongs to; the run must die with the
            // coroutine's reference, never in a lane job afterwards (that
            // destroyed the channel on a pool thread after its io_context, a
            // use-after-free caught as a glibc mutex assertion in the unit tests).
            // Until this buffer is back the coroutine still holds the run.
            LaneRun& shared = *run;
            run.reset();
            if (shared.lanes_left[buffer].fetch_sub(1, std::memory_order_acq_rel) == 1) {
              // Never full: the channel holds as many numbers as there are buffers.
              shared.freed.try_send(boost::system::error_code{}, buffer);
            }
          });
    }
  }

  std::unique_ptr<store::BlobWriter> writer;
  const size_t buffer_size;
  const size_t max_buffers;
  std::vector<UploadBuffer> buffers;  // the coroutine's; grows, never shrinks
  std::vector<LaneStrand> lanes;
  std::unique_ptr<std::atomic<size_t>[]> lanes_left;  // per buffer
  FreedBuffers freed;
  std::atomic<bool> failed{false};
  std::mutex error_mutex;
  std::optional<store::StoreError> error;
};

}  // namespace

awaitable<std::unique_ptr<store::BlobWriter>> copy_through_lanes(
    PayloadReader& body, std::unique_ptr<store::BlobWriter> writer, size_t buffer_size,
    size_t max_buffers, uint64_t limit, boost::asio::thread_pool& pool) {
  auto run = std::make_shared<LaneRun>(co_await boost::asio::this_coro::executor, pool,
                                       std::move(writer), buffer_size, max_buffers);
  std::vector<size_t> free_buffers;
  size_t in_lanes = 0;
  auto take_back = [&](boost::system::error_code, size_t buffer) {
    free_buffers.push_back(buffer);
    --in_lanes;
  };

  std::exception_ptr stopped;
  try {
    uint64_t total = 0;
    while (!run->failed.load(std::memory_order_acquire)) {
      while (run->freed.try_receive(take_back)) {
      }
      if (free_buffers.empty()) {
        if (auto added = run->grow()) {
          free_buffers.push_back(*added);
        } else {
          take_back({}, co_await run->freed.async_receive(boost::asio::use_awaitable));
          continue;
        }
      }
      // The buffer freed last: its pages are the likeliest still in the cache.
      size_t buffer = free_buffers.back();
      size_t n = co_await body.read_full(run->buffers[buffer].span());
      if (n == 0) break;
      total += n;
      if (total > limit) throw S3Error(S3ErrorCode::kEntityTooLarge);
      if (in_lanes == 0 && n < store::BlobWriter::kLanesApartFrom) {
        // A small body, whole in one buffer: one job runs every lane on it.
        auto written = co_await offload(pool, [&] {
          return run->writer->write({run->buffers[buffer].data(), n});
        });
        if (!written) run->fail(std::move(written.error()));
        continue;
      }
      free_buffers.pop_back();
      LaneRun::submit(run, buffer, n);
      ++in_lanes;
    }
  } catch (...) {
    stopped = std::current_exception();
  }
  // No buffer may be freed, nor the writer handed back, while a lane reads it.
  while (in_lanes > 0) {
    take_back({}, co_await run->freed.async_receive(boost::asio::use_awaitable));
  }
  if (stopped) std::rethrow_exception(stopped);
  if (run->error) throw to_s3_error(*run->error);
  co_return std::move(run->writer);
}

}  // namespace moss::s3
