#include "moss/util/metrics.h"

#include <fmt/format.h>

namespace moss {

uint64_t Metrics::next_instance() {
  static std::atomic<uint64_t> made{0};
  return ++made;
}

Metrics::Shard& Metrics::local_shard() {
  // One shard per thread and Metrics object, found without locking after the
  // first use on a thread.
  thread_local uint64_t owner = 0;
  thread_local Shard* shard = nullptr;
  if (owner != instance_) {
    MutexLock lock(mutex_);
    shards_.push_back(std::make_unique<Shard>());
    shard = shards_.back().get();
    owner = instance_;
  }
  return *shard;
}

void Metrics::record_request(std::string_view operation, int status, double seconds,
                             uint64_t bytes_in, uint64_t bytes_out) {
  Shard& shard = local_shard();
  MutexLock lock(shard.mutex);
  auto it = shard.operations.find(operation);
  if (it == shard.operations.end()) {
    it = shard.operations.emplace(std::string(operation), OperationStats{}).first;
  }
  auto& s = it->second;
  ++s.by_status[status];
  ++s.count;
  s.sum += seconds;
  s.bytes_in += bytes_in;
  s.bytes_out += bytes_out;
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++s.bucket_counts[i];
  }
}

void Metrics::record_denial(std::string_view action) {
  Shard& shard = local_shard();
  MutexLock lock(shard.mutex);
  auto it = shard.denials_by_action.find(action);
  if (it == shard.denials_by_action.end()) {
    it = shard.denials_by_action.emplace(std::string(action), 0).first;
  }
  ++it->second;
}

void Metrics::declare_counter(std::string name, std::string label, std::string help,
                              std::vector<std::string> values) {
  MutexLock lock(mutex_);
  counter_families_.push_back({std::move(name), std::move(label), std::move(help),
                               std::move(values)});
}

void Metrics::declare_counter(std::string name, std::string help) {
  declare_counter(std::move(name), "", std::move(help), {""});
}

void Metrics::count(std::string_view name, std::string_view label_value, uint64_t n) {
  Shard& shard = local_shard();
  MutexLock lock(shard.mutex);
  shard.counters[{std::string(name), std::string(label_value)}] += n;
}

void Metrics::add_gauge(std::string name, std::string help, std::function<double()> value) {
  MutexLock lock(mutex_);
  gauges_.push_back({std::move(name), std::move(help), std::move(value)});
}

void Metrics::add_counter(std::string name, std::string help, std::function<uint64_t()> value) {
  MutexLock lock(mutex_);
  counter_sources_.push_back({std::move(name), std::move(help), std::move(value)});
}

std::string Metrics::render() const {
  std::string out;
  MutexLock lock(mutex_);
  OperationMap operations_;
  std::map<std::string, uint64_t> denials;
  std::map<std::pair<std::string, std::string>, uint64_t> counters;
  for (const auto& shard : shards_) {
    MutexLock shard_lock(shard->mutex);
    for (const auto& [key, n] : shard->counters) counters[key] += n;
    for (const auto& [action, n] : shard->denials_by_action) denials[action] += n;
    for (const auto& [op, from] : shard->operations) {
      auto& to = operations_[op];
      for (const auto& [status, n] : from.by_status) to.by_status[status] += n;
      for (size_t i = 0; i < kBuckets.size(); ++i) to.bucket_counts[i] += from.bucket_counts[i];
      to.count += from.count;
      to.sum += from.sum;
      to.bytes_in += from.bytes_in;
      to.bytes_out += from.bytes_out;
    }
  }
  out += "# HELP moss_http_requests_total Requests answered, by S3 operation and HTTP status.\n";
  out += "# TYPE moss_http_requests_total counter\n";
  for (const auto& [op, s] : operations_) {
    for (const auto& [status, n] : s.by_status) {
      out += fmt::format("moss_http_requests_total{{operation=\"{}\",status=\"{}\"}} {}\n", op,
                         status, n);
    }
  }
  out += "# HELP moss_http_request_duration_seconds Time from request head to response end.\n";
  out += "# TYPE moss_http_request_duration_seconds histogram\n";
  for (const auto& [op, s] : operations_) {
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      out += fmt::format(
          "moss_http_request_duration_seconds_bucket{{operation=\"{}\",le=\"{}\"}} {}\n", op,
          kBuckets[i], s.bucket_counts[i]);
    }
    out += fmt::format(
        "moss_http_request_duration_seconds_bucket{{operation=\"{}\",le=\"+Inf\"}} {}\n", op,
        s.count);
    out += fmt::format("moss_http_request_duration_seconds_sum{{operation=\"{}\"}} {}\n", op,
                       s.sum);
    out += fmt::format("moss_http_request_duration_seconds_count{{operation=\"{}\"}} {}\n", op,
                       s.count);
  }
  out += "# HELP moss_http_received_bytes_total Request body bytes received.\n";
  out += "# TYPE moss_http_received_bytes_total counter\n";
  for (const auto& [op, s] : operations_) {
    out += fmt::format("moss_http_received_bytes_total{{operation=\"{}\"}} {}\n", op, s.bytes_in);
  }
  out += "# HELP moss_http_sent_bytes_total Response body bytes sent.\n";
  out += "# TYPE moss_http_sent_bytes_total counter\n";
  for (const auto& [op, s] : operations_) {
    out += fmt::format("moss_http_sent_bytes_total{{operation=\"{}\"}} {}\n", op, s.bytes_out);
  }
  out += "# HELP moss_http_requests_in_flight Requests being served now.\n";
  out += "# TYPE moss_http_requests_in_flight gauge\n";
  out += fmt::format("moss_http_requests_in_flight {}\n", in_flight_.load());
  out += "# HELP moss_authz_denied_total Requests refused for lack of permission, by action.\n";
  out += "# TYPE moss_authz_denied_total counter\n";
  for (const auto& [action, n] : denials) {
    out += fmt::format("moss_authz_denied_total{{action=\"{}\"}} {}\n", action, n);
  }
  for (const auto& family : counter_families_) {
    out += fmt::format("# HELP {} {}\n# TYPE {} counter\n", family.name, family.help,
                       family.name);
    for (const auto& value : family.values) counters.try_emplace({family.name, value}, 0);
    for (auto it = counters.lower_bound({family.name, ""});
         it != counters.end() && it->first.first == family.name; ++it) {
      if (family.label.empty()) {
        out += fmt::format("{} {}\n", family.name, it->second);
      } else {
        out += fmt::format("{}{{{}=\"{}\"}} {}\n", family.name, family.label, it->first.second,
                           it->second);
      }
    }
  }
  for (const auto& c : counter_sources_) {
    out += fmt::format("# HELP {} {}\n# TYPE {} counter\n{} {}\n", c.name, c.help, c.name, c.name,
                       c.value());
  }
  for (const auto& g : gauges_) {
    out += fmt::format("# HELP {} {}\n# TYPE {} gauge\n{} {}\n", g.name, g.help, g.name, g.name,
                       g.value());
  }
  return out;
}

}  // namespace moss
