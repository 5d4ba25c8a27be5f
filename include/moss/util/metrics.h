// Request metrics in the Prometheus text exposition format:
//   moss_http_requests_total{operation,status}
//   moss_http_request_duration_seconds{operation} (histogram)
//   moss_http_received_bytes_total / moss_http_sent_bytes_total {operation}
//   moss_http_requests_in_flight
//   moss_authz_denied_total{action}
// Thread-safe. Each recording thread writes its own shard (a mutex nobody else
// takes except a scrape), so network threads never contend; render() merges.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "moss/util/mutex.h"

namespace moss {

class Metrics {
 public:
  void record_request(std::string_view operation, int status, double seconds,
                      uint64_t bytes_in, uint64_t bytes_out);
  // A request (or one key of a DeleteObjects) refused for lack of permission
  // for `action` ("s3:GetObject").
  void record_denial(std::string_view action);
  void add_in_flight(int delta) { in_flight_.fetch_add(delta, std::memory_order_relaxed); }

  // Gauges computed at scrape time (e.g. store sizes): name, help, value source.
  void add_gauge(std::string name, std::string help, std::function<double()> value);
  // Counters kept by their owner and read at scrape time (never decrease).
  void add_counter(std::string name, std::string help, std::function<double()> value);

  std::string render() const;

  static constexpr std::array<double, 14> kBuckets = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                      0.5,   1,     2.5,  5,     10,  30,  60};

 private:
  struct OperationStats {
    std::map<int, uint64_t> by_status;
    std::array<uint64_t, kBuckets.size()> bucket_counts{};
    uint64_t count = 0;
    double sum = 0;
    uint64_t bytes_in = 0;
    uint64_t bytes_out = 0;
  };
  struct Gauge {
    std::string name, help;
    std::function<double()> value;
    const char* type = "gauge";
  };
  using OperationMap = std::map<std::string, OperationStats, std::less<>>;
  struct Shard {
    Mutex mutex;
    OperationMap operations GUARDED_BY(mutex);
    std::map<std::string, uint64_t, std::less<>> denials_by_action GUARDED_BY(mutex);
  };
  Shard& local_shard();

  mutable Mutex mutex_;
  std::vector<std::unique_ptr<Shard>> shards_ GUARDED_BY(mutex_);
  std::vector<Gauge> gauges_ GUARDED_BY(mutex_);
  std::atomic<int64_t> in_flight_{0};
};

}  // namespace moss
