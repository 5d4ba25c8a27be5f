#include "parallel_transfers.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

namespace moss::cli {

bool run_parallel_transfers(size_t count, int parallel, client::TransferProgress& total,
                            const std::function<bool(size_t, client::TransferProgress&)>& job) {
  const size_t threads = std::clamp<size_t>(static_cast<size_t>(std::max(parallel, 1)), 1,
                                            std::max<size_t>(count, 1));
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::atomic<size_t> running{threads};
  std::atomic<uint64_t> finished_bytes{0};
  std::vector<std::unique_ptr<client::TransferProgress>> slots;
  for (size_t i = 0; i < threads; ++i) slots.push_back(std::make_unique<client::TransferProgress>());

  std::vector<std::thread> workers;
  for (size_t t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      client::TransferProgress& mine = *slots[t];
      while (!failed.load()) {
        const size_t i = next.fetch_add(1);
        if (i >= count) break;
        const bool ok = job(i, mine);
        finished_bytes.fetch_add(mine.done.exchange(0));
        if (!ok) failed = true;
      }
      running.fetch_sub(1);
    });
  }
  // Sum what the workers moved for the display, until they are done.
  while (running.load() > 0) {
    uint64_t done = finished_bytes.load();
    for (const auto& slot : slots) done += slot->done.load(std::memory_order_relaxed);
    total.done = done;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  for (auto& w : workers) w.join();
  total.done = finished_bytes.load();
  return !failed.load() && next.load() >= count;
}

}  // namespace moss::cli
