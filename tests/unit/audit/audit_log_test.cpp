#include "moss/audit/audit_log.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <future>
#include <nlohmann/json.hpp>
#include <thread>

#include "audit/audit_files.h"
#include "moss/audit/audit_query.h"
#include "moss/util/metrics.h"
#include "unit/audit/audit_test_files.h"
#include "unit/store/temp_dir.h"

namespace moss {
namespace {

using testing::kSecond;
using testing::kTestNow;
using testing::read_event;

AuditLogOptions options_for(const std::string& directory) {
  AuditLogOptions options;
  options.directory = directory;
  options.clock = [] { return kTestNow; };
  return options;
}

std::unique_ptr<AuditLog> open_log(AuditLogOptions options) {
  auto log = AuditLog::open(std::move(options));
  EXPECT_TRUE(log.ok()) << (log.ok() ? "" : log.error().message());
  return log.ok() ? std::move(*log) : nullptr;
}

std::vector<AuditEvent> events_in(const std::string& path) {
  std::vector<AuditEvent> events;
  for (const auto& line : testing::read_lines(path)) {
    auto event = parse_audit_event(line);
    EXPECT_TRUE(event) << line;
    if (event) events.push_back(*event);
  }
  return events;
}

TEST(AuditLog, AppendedEventIsOnDiskAfterFlushFieldByField) {
  testing::TempDir dir;
  auto log = open_log(options_for(dir.path() + "/audit"));
  ASSERT_TRUE(log);
  AuditEvent event = read_event(kTestNow + 7, "llama-3-8b/v2/model.gguf", "alice");
  event.tag_chain = {"v2", "llama-3-8b/v2/model.gguf"};
  ASSERT_TRUE(log->append(event));
  ASSERT_TRUE(log->flush());

  auto lines = testing::read_lines(audit_files::current_file_path(dir.path() + "/audit"));
  ASSERT_EQ(lines.size(), 1u);
  auto json = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(json["time_ns"], kTestNow + 7);
  EXPECT_EQ(json["kind"], "read");
  EXPECT_EQ(json["key_name"], "alice");
  EXPECT_EQ(json["access_key_id"], "AKIAalice");
  EXPECT_EQ(json["remote"], "10.0.0.7:51234");
  EXPECT_EQ(json["client_id"], "runner-1");
  EXPECT_EQ(json["bucket"], "models");
  EXPECT_EQ(json["key"], "llama-3-8b/v2/model.gguf");
  EXPECT_EQ(json["tag_chain"], nlohmann::json({"v2", "llama-3-8b/v2/model.gguf"}));
  EXPECT_EQ(json["resolved_key"], "llama-3-8b/v2/model.gguf");
  EXPECT_EQ(json["version_id"], "v-1");
  EXPECT_EQ(json["sha256"], event.sha256);
  EXPECT_EQ(json["bytes_sent"], 4096);
  EXPECT_EQ(json["status"], 200);
  EXPECT_EQ(json["request_id"], "req-1");
  EXPECT_EQ(log->written(), 1u);
  EXPECT_EQ(log->dropped(), 0u);
}

TEST(AuditLog, ManyAppendsAndOneFlushKeepEveryEventInOrder) {
  testing::TempDir dir;
  auto log = open_log(options_for(dir.path()));
  ASSERT_TRUE(log);
  constexpr int kEvents = 10000;
  for (int i = 0; i < kEvents; ++i) {
    ASSERT_TRUE(log->append(read_event(kTestNow + i, "m/f" + std::to_string(i))));
  }
  ASSERT_TRUE(log->flush());
  auto events = events_in(audit_files::current_file_path(dir.path()));
  ASSERT_EQ(events.size(), static_cast<size_t>(kEvents));
  for (int i = 0; i < kEvents; ++i) EXPECT_EQ(events[i].key, "m/f" + std::to_string(i));
  EXPECT_EQ(log->written(), static_cast<uint64_t>(kEvents));
  EXPECT_EQ(log->queued(), 0u);
}

TEST(AuditLog, AppendsFromManyThreadsAreAllWritten) {
  testing::TempDir dir;
  auto log = open_log(options_for(dir.path()));
  ASSERT_TRUE(log);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 1000; ++i)
        log->append(read_event(kTestNow, "t" + std::to_string(t) + "/x"));
    });
  }
  for (auto& thread : threads) thread.join();
  ASSERT_TRUE(log->flush());
  EXPECT_EQ(events_in(audit_files::current_file_path(dir.path())).size(), 4000u);
  EXPECT_EQ(log->dropped(), 0u);
}

TEST(AuditLog, CloseDrainsEverythingAppendedBeforeIt) {
  testing::TempDir dir;
  auto log = open_log(options_for(dir.path()));
  ASSERT_TRUE(log);
  for (int i = 0; i < 5000; ++i) ASSERT_TRUE(log->append(read_event(kTestNow + i, "m/f")));
  log->close();  // no flush() first: what a SIGTERM shutdown does
  EXPECT_EQ(events_in(audit_files::current_file_path(dir.path())).size(), 5000u);
  EXPECT_EQ(log->written(), 5000u);
  log->close();  // idempotent
}

TEST(AuditLog, AppendAfterCloseIsDroppedAndCounted) {
  testing::TempDir dir;
  auto log = open_log(options_for(dir.path()));
  ASSERT_TRUE(log);
  log->close();
  EXPECT_FALSE(log->append(read_event(kTestNow, "m/f")));
  EXPECT_EQ(log->dropped(), 1u);
  EXPECT_TRUE(log->flush());  // nothing pending; returns at once
}

TEST(AuditLog, DestructorWritesWhatWasQueued) {
  testing::TempDir dir;
  {
    auto log = open_log(options_for(dir.path()));
    ASSERT_TRUE(log);
    for (int i = 0; i < 100; ++i) log->append(read_event(kTestNow, "m/f"));
  }
  EXPECT_EQ(events_in(audit_files::current_file_path(dir.path())).size(), 100u);
}

// Holds the writer thread still, deterministically: with a rotation after
// every batch, the writer asks the log's clock for the rotated file's name, and
// this clock, once armed, waits there until released. Declare the log before
// the gate: the gate lets the writer go when it is destroyed, before the log
// closes (a log closing behind a held writer would wait forever).
class WriterGate {
 public:
  explicit WriterGate(AuditLogOptions& options) : state_(std::make_shared<State>()) {
    options.max_file_bytes = 1;
    options.clock = [state = state_] {
      if (state->armed.exchange(false)) {
        state->held.set_value();
        state->released.wait();
      }
      return kTestNow;
    };
  }
  ~WriterGate() { release(); }

  // The next batch the writer finishes holds it.
  void arm() { state_->armed = true; }
  void wait_until_held() { state_->held.get_future().wait(); }
  void release() {
    if (!std::exchange(released_once_, true)) state_->release.set_value();
  }

 private:
  struct State {
    std::atomic<bool> armed{false};
    std::promise<void> held;
    std::promise<void> release;
    std::shared_future<void> released = release.get_future().share();
  };
  std::shared_ptr<State> state_;  // shared with the clock, which the log keeps
  bool released_once_ = false;
};

TEST(AuditLog, AFullQueueDropsAfterAShortWaitAndCountsTheDrop) {
  testing::TempDir dir;
  std::unique_ptr<AuditLog> log;
  AuditLogOptions options = options_for(dir.path());
  WriterGate gate(options);
  options.queue_capacity = 2;
  options.full_queue_wait = std::chrono::milliseconds(1);
  log = open_log(options);
  ASSERT_TRUE(log);

  gate.arm();
  EXPECT_TRUE(log->append(read_event(kTestNow, "m/first")));
  gate.wait_until_held();  // the first event is written; the writer sits in rotate()
  EXPECT_TRUE(log->append(read_event(kTestNow, "m/second")));
  EXPECT_TRUE(log->append(read_event(kTestNow, "m/third")));
  EXPECT_FALSE(log->append(read_event(kTestNow, "m/dropped")));
  EXPECT_EQ(log->dropped(), 1u);
  EXPECT_EQ(log->queued(), 2u);

  gate.release();
  EXPECT_TRUE(log->flush());
  log->close();
  AuditFilter all;
  all.order = AuditOrder::kOldestFirst;
  auto result = query_audit_log(dir.path(), all);
  ASSERT_EQ(result.events.size(), 3u);
  EXPECT_EQ(result.events[0].key, "m/first");
  EXPECT_EQ(result.events[1].key, "m/second");
  EXPECT_EQ(result.events[2].key, "m/third");
  EXPECT_EQ(log->written(), 3u);
}

TEST(AuditLog, EventsQueuedWhileTheWriterIsBusyShareOneBatch) {
  testing::TempDir dir;
  std::unique_ptr<AuditLog> log;
  AuditLogOptions options = options_for(dir.path());
  WriterGate gate(options);
  options.max_batch_events = 40;
  log = open_log(options);
  ASSERT_TRUE(log);

  gate.arm();
  ASSERT_TRUE(log->append(read_event(kTestNow, "m/first")));
  gate.wait_until_held();
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(log->append(read_event(kTestNow + i, "m/queued")));
  gate.release();
  ASSERT_TRUE(log->flush());
  EXPECT_EQ(log->written(), 101u);
  EXPECT_EQ(log->batches(), 4u);  // the first event alone, then 40 + 40 + 20
}

// Group commit: a writer lingering on a batch (here far longer than any test
// runs) writes it the moment a flush asks, the batch fills, or the log closes.
AuditLogOptions lingering_an_hour(const std::string& directory) {
  AuditLogOptions options = options_for(directory);
  options.batch_linger = std::chrono::hours(1);
  return options;
}

TEST(AuditLog, EventsArrivingWhileTheWriterLingersShareOneSyncAndFlushEndsTheLinger) {
  testing::TempDir dir;
  auto log = open_log(lingering_an_hour(dir.path()));
  ASSERT_TRUE(log);
  ASSERT_TRUE(log->append(read_event(kTestNow, "m/lingered")));
  // Time for a writer that does not linger to write the first event alone.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  for (int i = 1; i < 25; ++i) ASSERT_TRUE(log->append(read_event(kTestNow + i, "m/lingered")));
  ASSERT_TRUE(log->flush());
  EXPECT_EQ(log->written(), 25u);
  EXPECT_EQ(log->batches(), 1u);
  EXPECT_EQ(events_in(audit_files::current_file_path(dir.path())).size(), 25u);
}

TEST(AuditLog, AFullBatchEndsTheLingerWithoutAFlush) {
  testing::TempDir dir;
  AuditLogOptions options = lingering_an_hour(dir.path());
  options.max_batch_events = 4;
  auto log = open_log(options);
  ASSERT_TRUE(log);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(log->append(read_event(kTestNow + i, "m/waiting")));
  ASSERT_TRUE(log->append(read_event(kTestNow + 3, "m/fourth")));
  // No flush: only the full batch can wake the writer before the hour is up.
  for (int i = 0; i < 6000 && log->written() < 4; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(log->written(), 4u);
  EXPECT_EQ(log->batches(), 1u);
}

TEST(AuditLog, CloseEndsTheLingerAndWritesTheBatch) {
  testing::TempDir dir;
  auto log = open_log(lingering_an_hour(dir.path()));
  ASSERT_TRUE(log);
  ASSERT_TRUE(log->append(read_event(kTestNow, "m/closing")));
  log->close();
  EXPECT_EQ(log->written(), 1u);
  EXPECT_EQ(events_in(audit_files::current_file_path(dir.path())).size(), 1u);
}

// The file size limit (RLIMIT_FSIZE) lets the write start and then fails it
// part way, as a full disk would.
TEST(AuditLog, AFailedWriteLeavesNoPartialLineAndCountsTheDrop) {
  testing::TempDir dir;
  auto log = open_log(options_for(dir.path()));
  ASSERT_TRUE(log);
  const AuditEvent kept = read_event(kTestNow, "m/kept");
  ASSERT_TRUE(log->append(kept));
  ASSERT_TRUE(log->flush());
  const std::string path = audit_files::current_file_path(dir.path());
  const std::string before = testing::read_text(path);

  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  auto old_handler = std::signal(SIGXFSZ, SIG_IGN);  // EFBIG instead of a core dump
  rlimit tight = saved;
  tight.rlim_cur = before.size() + 10;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &tight), 0);
  log->append(read_event(kTestNow + 1, "m/lost"));
  log->close();  // no pause between the attempts once closing
  ::setrlimit(RLIMIT_FSIZE, &saved);
  std::signal(SIGXFSZ, old_handler);

  EXPECT_EQ(testing::read_text(path), before);
  EXPECT_EQ(log->dropped(), 1u);
  EXPECT_EQ(log->written(), 1u);
}

TEST(AuditLog, RotatesWhenTheFilePassesItsSize) {
  testing::TempDir dir;
  AuditLogOptions options = options_for(dir.path());
  const size_t line_bytes = audit_event_line(read_event(kTestNow, "m/f0")).size();
  options.max_file_bytes = 2 * line_bytes;  // the second event reaches the limit
  auto log = open_log(options);
  ASSERT_TRUE(log);
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(log->append(read_event(kTestNow, "m/f" + std::to_string(i))));
    ASSERT_TRUE(log->flush());  // one event per batch, so the sizes are exact
  }
  auto rotated = audit_files::list_rotated_files(dir.path());
  ASSERT_EQ(rotated.size(), 2u);
  EXPECT_EQ(std::filesystem::path(rotated[0].path).filename(),
            "audit-20241205T193958Z-000001.jsonl");
  EXPECT_EQ(rotated[1].sequence, 2u);
  auto first = events_in(rotated[0].path);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].key, "m/f0");
  EXPECT_EQ(first[1].key, "m/f1");
  EXPECT_EQ(events_in(rotated[1].path).size(), 2u);
  auto current = events_in(audit_files::current_file_path(dir.path()));
  ASSERT_EQ(current.size(), 1u);
  EXPECT_EQ(current[0].key, "m/f4");
}

TEST(AuditLog, SequenceContinuesAcrossRestarts) {
  testing::TempDir dir;
  AuditLogOptions options = options_for(dir.path());
  options.max_file_bytes = 1;
  for (int run = 0; run < 2; ++run) {
    auto log = open_log(options);
    ASSERT_TRUE(log);
    log->append(read_event(kTestNow, "m/f"));
    ASSERT_TRUE(log->flush());
  }
  auto rotated = audit_files::list_rotated_files(dir.path());
  ASSERT_EQ(rotated.size(), 2u);
  EXPECT_EQ(rotated[0].sequence, 1u);
  EXPECT_EQ(rotated[1].sequence, 2u);
}

TEST(AuditLog, RetentionRemovesOldRotatedFilesAtOpenAndAfterRotation) {
  testing::TempDir dir;
  const int64_t day = 86400 * kSecond;
  testing::append_text(dir.path() + "/" + audit_files::rotated_file_name(kTestNow - 31 * day, 1),
                       "");
  testing::append_text(dir.path() + "/" + audit_files::rotated_file_name(kTestNow - 2 * day, 2),
                       "");
  std::atomic<int64_t> now{kTestNow};
  AuditLogOptions options = options_for(dir.path());
  options.clock = [&] { return now.load(); };
  options.max_file_bytes = 1;
  auto log = open_log(options);
  ASSERT_TRUE(log);
  auto rotated = audit_files::list_rotated_files(dir.path());
  ASSERT_EQ(rotated.size(), 1u);  // the 31-day-old file went at open
  EXPECT_EQ(rotated[0].sequence, 2u);

  now = kTestNow + 29 * day;  // the 2-day-old file is now 31 days old
  log->append(read_event(now, "m/f"));
  ASSERT_TRUE(log->flush());  // rotates, then applies retention
  rotated = audit_files::list_rotated_files(dir.path());
  ASSERT_EQ(rotated.size(), 1u);
  EXPECT_EQ(rotated[0].sequence, 3u);
}

TEST(AuditLog, ATornLastLineIsEndedOnOpen) {
  testing::TempDir dir;
  testing::append_events(audit_files::current_file_path(dir.path()),
                         {read_event(kTestNow, "m/before")});
  testing::append_text(audit_files::current_file_path(dir.path()), R"({"time_ns":12,"ke)");
  auto log = open_log(options_for(dir.path()));
  ASSERT_TRUE(log);
  log->append(read_event(kTestNow + 1, "m/after"));
  log->close();
  AuditFilter all;
  all.order = AuditOrder::kOldestFirst;
  auto result = query_audit_log(dir.path(), all);
  ASSERT_EQ(result.events.size(), 2u);
  EXPECT_EQ(result.events[0].key, "m/before");
  EXPECT_EQ(result.events[1].key, "m/after");
  EXPECT_EQ(result.malformed_lines, 1u);
}

TEST(AuditLog, FilesAreCreatedWithMode0640) {
  testing::TempDir dir;
  const mode_t mask = ::umask(0);
  ::umask(mask);
  auto log = open_log(options_for(dir.path()));
  ASSERT_TRUE(log);
  struct stat st {};
  ASSERT_EQ(::stat(audit_files::current_file_path(dir.path()).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u & ~mask);
}

TEST(AuditLog, OpenFailsWhenTheDirectoryCannotBeMade) {
  testing::TempDir dir;
  testing::append_text(dir.path() + "/file", "");
  auto log = AuditLog::open(options_for(dir.path() + "/file/audit"));
  EXPECT_FALSE(log.ok());
  EXPECT_FALSE(AuditLog::open(AuditLogOptions{}).ok());  // no directory
}

TEST(AuditLog, CountersAreExportedAsMetrics) {
  testing::TempDir dir;
  auto log = open_log(options_for(dir.path()));
  ASSERT_TRUE(log);
  // Counted into from this thread too: alive for the whole run, like the
  // Metrics of tests/unit/util/metrics_test.cpp.
  static Metrics metrics;
  log->add_metrics_to(metrics);
  log->append(read_event(kTestNow, "m/f"));
  ASSERT_TRUE(log->flush());
  log->close();
  log->append(read_event(kTestNow, "m/f"));
  const std::string text = metrics.render();
  EXPECT_NE(text.find("moss_audit_events_written_total 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("moss_audit_events_dropped_total 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("moss_audit_queue_depth 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("moss_audit_batches_total 1\n"), std::string::npos) << text;
}

}  // namespace
}  // namespace moss
