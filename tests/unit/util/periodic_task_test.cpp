#include "moss/util/periodic_task.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

namespace moss {
namespace {

using namespace std::chrono_literals;

bool wait_until(const std::function<bool()>& condition) {
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

TEST(PeriodicTask, RunsAtStartAndThenEveryInterval) {
  std::atomic<int> runs{0};
  PeriodicTask task("test", 10ms, [&] { ++runs; });
  EXPECT_TRUE(wait_until([&] { return runs >= 3; }));
}

// The lower bound: runs are never closer together than the interval. A slow
// machine only spreads them further apart, so this cannot fail by being slow;
// a wait that returned early (a spurious wake-up taken for the end of the
// interval) fails it.
TEST(PeriodicTask, NeverRunsMoreOftenThanItsInterval) {
  constexpr auto kInterval = 40ms;
  std::mutex mutex;
  std::vector<std::chrono::steady_clock::time_point> starts;
  {
    PeriodicTask task("test", kInterval, [&] {
      std::lock_guard lock(mutex);
      starts.push_back(std::chrono::steady_clock::now());
    });
    ASSERT_TRUE(wait_until([&] {
      std::lock_guard lock(mutex);
      return starts.size() >= 6;
    }));
  }
  std::lock_guard lock(mutex);
  for (size_t i = 1; i < starts.size(); ++i) {
    EXPECT_GE(starts[i] - starts[i - 1], kInterval) << "run " << i;
  }
}

TEST(PeriodicTask, TriggerRunsWithoutWaitingForTheInterval) {
  std::atomic<int> runs{0};
  PeriodicTask task("test", std::chrono::hours(1), [&] { ++runs; });
  ASSERT_TRUE(wait_until([&] { return runs == 1; }));
  task.trigger();
  EXPECT_TRUE(wait_until([&] { return runs == 2; }));
}

TEST(PeriodicTask, StopWaitsAndNoRunFollows) {
  std::atomic<int> runs{0};
  PeriodicTask task("test", 1ms, [&] { ++runs; });
  ASSERT_TRUE(wait_until([&] { return runs >= 1; }));
  task.stop();
  int after_stop = runs;
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(runs, after_stop);
  task.stop();  // idempotent
}

TEST(PeriodicTask, AThrowingRunDoesNotEndTheTask) {
  std::atomic<int> runs{0};
  PeriodicTask task("test", 1ms, [&] {
    ++runs;
    throw std::runtime_error("boom");
  });
  EXPECT_TRUE(wait_until([&] { return runs >= 2; }));
}

}  // namespace
}  // namespace moss
