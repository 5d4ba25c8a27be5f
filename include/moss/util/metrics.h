// Request metrics in the Prometheus text exposition format:
//   moss_http_requests_total{operation,status}
//   moss_http_request_duration_seconds{operation} (histogram)
//   moss_http_received_bytes_total / moss_http_sent_bytes_total {operation}
//   moss_http_requests_in_flight
//   moss_authz_denied_total{action}
// and the counters other layers declare (declare_counter) and count: the
// transport's moss_connections_rejected_total{reason}, the TLS context's
// moss_tls_reloads_total, for two.
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
#include <utility>
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

  // A counter family with one label, e.g. moss_connections_rejected_total
  // {reason}: `values` are shown (as 0) before anything is counted. Declare
  // before counting; count() of an undeclared family is not rendered.
  void declare_counter(std::string name, std::string label, std::string help,
                       std::vector<std::string> values);
  void count(std::string_view name, std::string_view label_value, uint64_t n = 1);
  // A counter without labels (moss_tls_reloads_total), shown as 0 before
  // anything is counted, and counting it.
  void declare_counter(std::string name, std::string help);
  void count(std::string_view name, uint64_t n = 1) { count(name, std::string_view(), n); }

  // Gauges computed at scrape time (e.g. store sizes): name, help, value source.
  void add_gauge(std::string name, std::string help, std::function<double()> value);
  // A counter another component keeps itself and this reads at scrape time:
  // one bumped on a hot path under a lock of its own (the small-object cache's
  // hits), where count()'s keyed lookup would cost every request.
  void add_counter(std::string name, std::string help, std::function<uint64_t()> value);

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
  struct CounterFamily {
    std::string name, label, help;  // label empty: a counter without labels
    std::vector<std::string> values;
  };
  struct Gauge {
    std::string name, help;
    std::function<double()> value;
  };
  struct CounterSource {
    std::string name, help;
    std::function<uint64_t()> value;
  };
  using OperationMap = std::map<std::string, OperationStats, std::less<>>;
  struct Shard {
    Mutex mutex;
    OperationMap operations GUARDED_BY(mutex);
    std::map<std::string, uint64_t, std::less<>> denials_by_action GUARDED_BY(mutex);
    // (family, label value) -> count
    std::map<std::pair<std::string, std::string>, uint64_t, std::less<>> counters
        GUARDED_BY(mutex);
  };
  Shard& local_shard();

  // Names this object to the per-thread shard cache: an address would not do,
  // since a new Metrics may be built where a destroyed one was (tests do).
  static uint64_t next_instance();
  const uint64_t instance_ = next_instance();
  mutable Mutex mutex_;
  std::vector<std::unique_ptr<Shard>> shards_ GUARDED_BY(mutex_);
  std::vector<Gauge> gauges_ GUARDED_BY(mutex_);
  std::vector<CounterSource> counter_sources_ GUARDED_BY(mutex_);
  std::vector<CounterFamily> counter_families_ GUARDED_BY(mutex_);
  std::atomic<int64_t> in_flight_{0};
};

}  // namespace moss
