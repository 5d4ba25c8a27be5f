#include "moss/util/metrics.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <new>
#include <string>
#include <thread>

namespace moss {
namespace {

TEST(Metrics, AMetricsBuiltWhereADestroyedOneWasCountsInItsOwnShard) {
  // The same storage twice, so the second object has the first one's address:
  // a thread that counted into the first must not find the first's shard.
  alignas(Metrics) unsigned char storage[sizeof(Metrics)];
  auto* first = new (storage) Metrics;
  first->declare_counter("moss_test_total", "reason", "Things.", {});
  first->count("moss_test_total", "a", 5);
  first->~Metrics();
  auto* second = new (storage) Metrics;
  second->declare_counter("moss_test_total", "reason", "Things.", {});
  second->count("moss_test_total", "a");
  const std::string text = second->render();
  second->~Metrics();
  EXPECT_NE(text.find("moss_test_total{reason=\"a\"} 1\n"), std::string::npos) << text;
}

TEST(Metrics, ADeclaredCounterFamilyShowsItsValuesAtZeroBeforeAnythingIsCounted) {
  static Metrics metrics;
  metrics.declare_counter("moss_test_total", "reason", "Things, by reason.", {"a", "b"});
  const std::string text = metrics.render();
  EXPECT_NE(text.find("# HELP moss_test_total Things, by reason.\n"
                      "# TYPE moss_test_total counter\n"
                      "moss_test_total{reason=\"a\"} 0\n"
                      "moss_test_total{reason=\"b\"} 0\n"),
            std::string::npos)
      << text;
}

TEST(Metrics, CountsFromEveryThreadAreAddedUp) {
  static Metrics metrics;
  metrics.declare_counter("moss_test_total", "reason", "Things.", {"a"});
  metrics.count("moss_test_total", "a");
  std::thread other([&] {
    metrics.count("moss_test_total", "a", 2);
    metrics.count("moss_test_total", "c");
  });
  other.join();
  const std::string text = metrics.render();
  EXPECT_NE(text.find("moss_test_total{reason=\"a\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("moss_test_total{reason=\"c\"} 1\n"), std::string::npos) << text;
}

TEST(Metrics, ACounterWithoutLabelsIsShownAtZeroThenCounted) {
  static Metrics metrics;
  metrics.declare_counter("moss_plain_total", "Plain things.");
  EXPECT_NE(metrics.render().find("# HELP moss_plain_total Plain things.\n"
                                  "# TYPE moss_plain_total counter\n"
                                  "moss_plain_total 0\n"),
            std::string::npos)
      << metrics.render();
  metrics.count("moss_plain_total");
  std::thread other([&] { metrics.count("moss_plain_total", 2); });
  other.join();
  const std::string text = metrics.render();
  EXPECT_NE(text.find("moss_plain_total 3\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("moss_plain_total{"), std::string::npos) << text;
}

TEST(Metrics, AnUndeclaredCounterIsNotRendered) {
  static Metrics metrics;
  metrics.count("moss_undeclared_total", "x");
  EXPECT_EQ(metrics.render().find("moss_undeclared_total"), std::string::npos);
}

TEST(Metrics, ACounterKeptElsewhereIsReadAtEveryRender) {
  static Metrics metrics;
  static uint64_t hits = 0;
  metrics.add_counter("moss_kept_total", "Things kept elsewhere.", [] { return hits; });
  EXPECT_NE(metrics.render().find("# HELP moss_kept_total Things kept elsewhere.\n"
                                  "# TYPE moss_kept_total counter\n"
                                  "moss_kept_total 0\n"),
            std::string::npos)
      << metrics.render();
  hits = 12345678901;
  const std::string text = metrics.render();
  EXPECT_NE(text.find("moss_kept_total 12345678901\n"), std::string::npos) << text;
}

}  // namespace
}  // namespace moss
