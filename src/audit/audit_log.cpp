#include "moss/audit/audit_log.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "audit/audit_files.h"
#include "moss/util/fs.h"
#include "moss/util/metrics.h"

namespace moss {
namespace {

constexpr unsigned kFileMode = 0640;
constexpr int kWriteAttempts = 3;
constexpr auto kRetryPause = std::chrono::seconds(1);

// The counters the log keeps in Metrics (add_metrics_to).
constexpr std::string_view kDroppedTotal = "moss_audit_events_dropped_total";
constexpr std::string_view kWrittenTotal = "moss_audit_events_written_total";
constexpr std::string_view kBatchesTotal = "moss_audit_batches_total";

std::error_code last_error() { return {errno, std::generic_category()}; }

// Readable too, for end_torn_line's look at the last byte.
UniqueFd open_current_file(const std::string& directory) {
  return UniqueFd(::open(audit_files::current_file_path(directory).c_str(),
                         O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, kFileMode));
}

std::error_code write_all(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return last_error();
    data += n;
    size -= static_cast<size_t>(n);
  }
  return {};
}

// A line torn by a crash would swallow the first line written after it; ending
// it here leaves it one malformed line that readers skip.
std::error_code end_torn_line(int fd, uint64_t size) {
  if (size == 0) return {};
  char last = '\n';
  if (::pread(fd, &last, 1, static_cast<off_t>(size - 1)) != 1) return last_error();
  if (last == '\n') return {};
  if (auto ec = write_all(fd, "\n", 1)) return ec;
  return ::fdatasync(fd) == 0 ? std::error_code() : last_error();
}

}  // namespace

Result<std::unique_ptr<AuditLog>, std::error_code> AuditLog::open(AuditLogOptions options) {
  if (options.directory.empty()) return fail(std::make_error_code(std::errc::invalid_argument));
  if (auto ec = make_directories(options.directory)) return fail(ec);
  UniqueFd file = open_current_file(options.directory);
  if (!file.valid()) return fail(last_error());
  struct stat st {};
  if (::fstat(file.get(), &st) != 0) return fail(last_error());
  uint64_t size = static_cast<uint64_t>(st.st_size);
  if (auto ec = end_torn_line(file.get(), size)) return fail(ec);
  if (::fstat(file.get(), &st) != 0) return fail(last_error());
  size = static_cast<uint64_t>(st.st_size);
  if (auto ec = fsync_directory(options.directory)) return fail(ec);

  uint64_t next_sequence = 1;
  for (const auto& rotated : audit_files::list_rotated_files(options.directory)) {
    next_sequence = std::max(next_sequence, rotated.sequence + 1);
  }
  if (options.queue_capacity == 0) options.queue_capacity = 1;
  if (options.max_batch_events == 0) options.max_batch_events = 1;
  return std::unique_ptr<AuditLog>(
      new AuditLog(std::move(options), std::move(file), size, next_sequence));
}

AuditLog::AuditLog(AuditLogOptions options, UniqueFd file, uint64_t file_bytes,
                   uint64_t next_sequence)
    : options_(std::move(options)),
      file_(std::move(file)),
      file_bytes_(file_bytes),
      next_sequence_(next_sequence) {
  apply_retention();
  writer_ = std::thread([this] { write_loop(); });
}

AuditLog::~AuditLog() { close(); }

bool AuditLog::append(AuditEvent event) {
  std::unique_lock lock(mutex_);
  const bool has_room = room_or_done_.wait_for(lock, options_.full_queue_wait, [&] {
    return closing_ || queue_.size() < options_.queue_capacity;
  });
  if (closing_ || !has_room) {
    const bool report = count_drops(1);
    const uint64_t total = dropped_;
    const bool closed = closing_;
    lock.unlock();
    count_in_metrics(kDroppedTotal, 1);
    if (report) {
      spdlog::error(
          "audit: event dropped ({}); {} dropped in all",
          closed ? "the audit log is closed" : "the writer is behind and the queue is full", total);
    }
    return false;
  }
  queue_.push_back(std::move(event));
  ++appended_;
  // The writer sleeps on an empty queue, or lingers on a batch not yet full;
  // otherwise it will look again.
  const bool writer_may_sleep = queue_.size() == 1 || queue_.size() == full_batch();
  lock.unlock();
  if (writer_may_sleep) work_ready_.notify_one();
  return true;
}

bool AuditLog::flush() {
  std::unique_lock lock(mutex_);
  const uint64_t target = appended_;
  const uint64_t failures_before = failed_batches_;
  ++flushers_;  // the writer stops lingering
  work_ready_.notify_one();
  room_or_done_.wait(lock, [&] { return finished_ >= target; });
  --flushers_;
  return failed_batches_ == failures_before;
}

void AuditLog::close() {
  std::lock_guard close_lock(close_mutex_);
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    closing_ = true;
  }
  work_ready_.notify_all();
  room_or_done_.notify_all();  // appenders waiting for room give up now
  if (writer_.joinable()) writer_.join();
  file_.reset();
  std::lock_guard lock(mutex_);
  closed_ = true;
}

uint64_t AuditLog::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

uint64_t AuditLog::written() const {
  std::lock_guard lock(mutex_);
  return written_;
}

uint64_t AuditLog::batches() const {
  std::lock_guard lock(mutex_);
  return batches_;
}

size_t AuditLog::queued() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

void AuditLog::add_metrics_to(Metrics& metrics) {
  metrics.declare_counter(std::string(kDroppedTotal),
                          "Audit events that could not be written (queue full, closed, write "
                          "failed)");
  metrics.declare_counter(std::string(kWrittenTotal), "Audit events written and synced");
  metrics.declare_counter(std::string(kBatchesTotal), "Audit batches written and synced");
  metrics.add_gauge("moss_audit_queue_depth", "Audit events waiting for the writer",
                    [this] { return static_cast<double>(queued()); });
  metrics_.store(&metrics);
}

void AuditLog::count_in_metrics(std::string_view counter, uint64_t n) {
  if (Metrics* metrics = metrics_.load()) metrics->count(counter, n);
}

bool AuditLog::count_drops(uint64_t count) {
  const uint64_t before = dropped_;
  dropped_ += count;
  // The first drop and then every power of two: loud, but never a flood.
  return count > 1 || before == 0 || std::has_single_bit(dropped_);
}

void AuditLog::write_loop() {
  auto next_retention = std::chrono::steady_clock::now() + options_.retention_check_interval;
  std::unique_lock lock(mutex_);
  while (true) {
    work_ready_.wait_until(lock, next_retention, [&] { return closing_ || !queue_.empty(); });
    if (queue_.empty()) {
      if (closing_) return;
      lock.unlock();
      apply_retention();
      lock.lock();
      next_retention = std::chrono::steady_clock::now() + options_.retention_check_interval;
      continue;
    }
    if (options_.batch_linger.count() > 0) {
      work_ready_.wait_for(lock, options_.batch_linger, [&] {
        return closing_ || flushers_ > 0 || queue_.size() >= full_batch();
      });
    }
    std::vector<AuditEvent> batch;
    const size_t take = std::min(queue_.size(), options_.max_batch_events);
    batch.reserve(take);
    for (size_t i = 0; i < take; ++i) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    room_or_done_.notify_all();
    lock.unlock();

    // Serialised here, on the writer thread, so the network threads only copy.
    std::string lines;
    for (const auto& event : batch) append_audit_event_line(lines, event);
    const bool ok = write_batch(lines, batch.size());
    if (ok) {
      count_in_metrics(kWrittenTotal, batch.size());
      count_in_metrics(kBatchesTotal, 1);
    }
    // Rotated before the batch counts as done, so a flush() returns to a
    // directory that already shows the rotation.
    if (ok && file_bytes_ >= options_.max_file_bytes) {
      if (auto ec = rotate()) {
        spdlog::error("audit: cannot rotate {}: {}", options_.directory, ec.message());
      }
      apply_retention();
    }

    lock.lock();
    finished_ += batch.size();
    if (ok) {
      written_ += batch.size();
      ++batches_;
    } else {
      ++failed_batches_;
    }
    room_or_done_.notify_all();
  }
}

bool AuditLog::write_batch(const std::string& lines, size_t events) {
  std::error_code ec;
  for (int attempt = 1; attempt <= kWriteAttempts; ++attempt) {
    ec = write_once(lines);
    if (!ec) break;
    spdlog::error("audit: writing {} events to {} failed (attempt {} of {}): {}", events,
                  options_.directory, attempt, kWriteAttempts, ec.message());
    if (attempt == kWriteAttempts) break;
    std::unique_lock lock(mutex_);
    work_ready_.wait_for(lock, kRetryPause, [&] { return closing_; });
  }
  if (ec) {
    std::unique_lock lock(mutex_);
    count_drops(events);
    const uint64_t total = dropped_;
    lock.unlock();
    count_in_metrics(kDroppedTotal, events);
    spdlog::error("audit: {} events dropped after failed writes; {} dropped in all", events, total);
    return false;
  }
  if (::fdatasync(file_.get()) != 0) {
    spdlog::error("audit: syncing {} events to {} failed, their durability is unknown: {}", events,
                  options_.directory, std::strerror(errno));
    return false;
  }
  return true;
}

std::error_code AuditLog::write_once(const std::string& lines) {
  if (!file_.valid()) {  // a rotation that could not open the new file
    file_ = open_current_file(options_.directory);
    if (!file_.valid()) return last_error();
    struct stat st {};
    if (::fstat(file_.get(), &st) != 0) return last_error();
    file_bytes_ = static_cast<uint64_t>(st.st_size);
  }
  if (auto ec = write_all(file_.get(), lines.data(), lines.size())) {
    // A partial batch would leave a torn line for the next one to run into.
    if (::ftruncate(file_.get(), static_cast<off_t>(file_bytes_)) != 0) {
      spdlog::error("audit: cannot cut a failed write off {}: {}", options_.directory,
                    std::strerror(errno));
    }
    return ec;
  }
  file_bytes_ += lines.size();
  return {};
}

std::error_code AuditLog::rotate() {
  const std::string current = audit_files::current_file_path(options_.directory);
  const std::string rotated =
      options_.directory + "/" + audit_files::rotated_file_name(options_.clock(), next_sequence_);
  if (::rename(current.c_str(), rotated.c_str()) != 0) return last_error();
  ++next_sequence_;
  file_ = open_current_file(options_.directory);
  file_bytes_ = 0;
  if (!file_.valid()) return last_error();  // write_once tries again
  return fsync_directory(options_.directory);
}

void AuditLog::apply_retention() {
  audit_files::remove_expired_files(options_.directory, options_.clock(), options_.retention,
                                    options_.max_rotated_files);
}

}  // namespace moss
