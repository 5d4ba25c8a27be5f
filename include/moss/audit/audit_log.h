// The writer of the audit trail: an append-only JSON-lines file,
// <directory>/audit.jsonl, rotated by size and pruned by age and count.
//
// append() is what a request calls, on a network thread: it copies the event
// into a bounded in-memory queue and returns; it never waits for the disk. A
// writer thread of the log's own drains the queue in batches: one write() of
// every line it took, then one fdatasync(). Under load the batches grow, so the
// disk sees one sync per batch rather than one per event.
//
// When the queue is full (the disk has fallen behind by `queue_capacity`
// events), append() waits up to `full_queue_wait` for room and then drops the
// event. A drop is never silent: dropped() counts it, the count is exported as
// the moss_audit_events_dropped_total metric, and an error is logged at the
// first drop and at every power of two after it.
//
// Durability: flush() returns once every event appended before it is on disk.
// close() (the server calls it on SIGTERM after its last request) writes and
// syncs everything appended before it; the destructor calls close(). After
// kill -9 or a power cut, what is lost is the events not yet synced: the batch
// being written and those queued behind it. A line torn by the crash is ended
// with a newline when the log is opened again, so it is read as one malformed
// line and the lines after it are whole.
//
// Thread-safe: append(), flush() and the accessors may be called from any
// thread; close() from any thread, once or many times.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>

#include "moss/audit/audit_event.h"
#include "moss/util/clock.h"
#include "moss/util/result.h"
#include "moss/util/unique_fd.h"

namespace moss {

class Metrics;

struct AuditLogOptions {
  std::string directory;  // created if missing (--audit-log DIR)
  // audit.jsonl is rotated once a batch takes it to this size or past it.
  uint64_t max_file_bytes = 64ull << 20;
  // Rotated files older than this are removed (--audit-retention); zero keeps them.
  std::chrono::seconds retention = std::chrono::hours(24 * 30);
  // At most this many rotated files are kept, the oldest removed first; zero: no limit.
  size_t max_rotated_files = 0;
  size_t queue_capacity = 65536;  // events
  std::chrono::milliseconds full_queue_wait{100};
  // The largest batch one write() carries; the rest waits for the next batch.
  size_t max_batch_events = 8192;
  // Group commit: once an event is queued the writer waits up to this long
  // for more before it writes and syncs them together (a full batch, flush()
  // and close() end the wait at once). A busy server then syncs the file at
  // most every few milliseconds instead of once per handful of requests,
  // and no request ever waits for it. Zero: write whatever is queued at once.
  std::chrono::milliseconds batch_linger{5};
  // Retention is applied at open, after each rotation and at least this often.
  std::chrono::milliseconds retention_check_interval = std::chrono::hours(1);
  // Names rotated files and judges their age; tests substitute their own.
  std::function<int64_t()> clock = now_unix_nanos;
};

class AuditLog {
 public:
  // Creates the directory, opens (or creates) audit.jsonl with O_APPEND and
  // mode 0640, applies retention and starts the writer thread.
  static Result<std::unique_ptr<AuditLog>, std::error_code> open(AuditLogOptions options);

  ~AuditLog();  // close()
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Queues the event for writing. False when it was dropped instead: the queue
  // stayed full for `full_queue_wait`, or the log is closed.
  bool append(AuditEvent event);
  // Waits until every event appended before the call is written and synced.
  // False if a batch failed to be written or synced while it waited (those
  // events are lost or of unknown durability; the error was logged).
  bool flush();
  // Writes everything queued, syncs, stops the writer thread; later appends are
  // dropped (and counted). Idempotent.
  void close();

  uint64_t dropped() const;  // events not written: queue full, closed, or failed to write
  uint64_t written() const;  // events written and synced
  uint64_t batches() const;  // write()+fdatasync() rounds that carried them
  size_t queued() const;     // events waiting for the writer
  const std::string& directory() const { return options_.directory; }

  // Counts in `metrics`, from now on, what the counters above count
  // (moss_audit_events_dropped_total, moss_audit_events_written_total,
  // moss_audit_batches_total) and shows moss_audit_queue_depth. Call it before
  // the first append(); `metrics` must outlive close(), and the log every
  // later metrics render.
  void add_metrics_to(Metrics& metrics);

 private:
  AuditLog(AuditLogOptions options, UniqueFd file, uint64_t file_bytes, uint64_t next_sequence);

  void write_loop();
  // Writes `lines` with one write() and syncs, retrying a failed write a few
  // times; a failed write is cut back off the file, so no partial line stays.
  bool write_batch(const std::string& lines, size_t events);
  std::error_code write_once(const std::string& lines);
  std::error_code rotate();
  void apply_retention();
  // The queue length that makes a batch full: the writer stops lingering.
  size_t full_batch() const { return std::min(options_.max_batch_events, options_.queue_capacity); }
  // Adds to dropped_ (mutex_ held); true when the drop deserves an error line.
  bool count_drops(uint64_t count);
  // Adds to a counter of add_metrics_to's Metrics, if any; never with mutex_
  // held (a render holds Metrics' lock while it reads queued()).
  void count_in_metrics(std::string_view counter, uint64_t n);

  const AuditLogOptions options_;

  mutable std::mutex mutex_;
  std::condition_variable work_ready_;    // the writer waits: events queued, flush or close
  std::condition_variable room_or_done_;  // appenders and flushers wait: room, a batch done
  std::deque<AuditEvent> queue_;          // guarded by mutex_
  uint64_t appended_ = 0;                 // guarded by mutex_: events accepted, ever
  uint64_t finished_ = 0;                 // guarded by mutex_: accepted events done with
  uint64_t failed_batches_ = 0;           // guarded by mutex_
  uint64_t dropped_ = 0;                  // guarded by mutex_
  uint64_t written_ = 0;                  // guarded by mutex_
  uint64_t batches_ = 0;                  // guarded by mutex_
  size_t flushers_ = 0;                   // guarded by mutex_: flush() calls waiting
  bool closing_ = false;                  // guarded by mutex_
  bool closed_ = false;                   // guarded by mutex_
  std::atomic<Metrics*> metrics_{nullptr};

  // Owned by the writer thread alone.
  UniqueFd file_;
  uint64_t file_bytes_;
  uint64_t next_sequence_;

  std::mutex close_mutex_;  // serialises close() callers around the join
  std::thread writer_;
};

}  // namespace moss
