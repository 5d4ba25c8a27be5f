#include "ranged_fetch.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>
#include <system_error>
#include <thread>
#include <vector>

#include "moss/client/file_body.h"
#include "moss/util/mutex.h"

namespace moss::client {
namespace {

// Which chunks are written how far, and so where the contiguous written
// prefix ends. Updated once per received piece (about 1 MiB), under a mutex.
class ChunkLedger {
 public:
  ChunkLedger(const FetchPlan& plan, uint64_t count) : plan_(plan), written_(count, 0) {}

  uint64_t start(uint64_t chunk) const { return plan_.from + chunk * plan_.chunk_size; }
  uint64_t end(uint64_t chunk) const {
    return std::min(plan_.size, start(chunk) + plan_.chunk_size);
  }

  // Records `n` more bytes written in `chunk`; returns the prefix end, and
  // sets *chunk_joined when a whole chunk joined the prefix.
  uint64_t add(uint64_t chunk, uint64_t n, bool* chunk_joined) EXCLUDES(mutex_) {
    MutexLock lock(mutex_);
    written_[chunk] += n;
    *chunk_joined = false;
    while (first_incomplete_ < written_.size() &&
           written_[first_incomplete_] == end(first_incomplete_) - start(first_incomplete_)) {
      ++first_incomplete_;
      *chunk_joined = true;
    }
    return first_incomplete_ < written_.size()
               ? start(first_incomplete_) + written_[first_incomplete_]
               : plan_.size;
  }

 private:
  const FetchPlan& plan_;
  Mutex mutex_;
  std::vector<uint64_t> written_ GUARDED_BY(mutex_);
  size_t first_incomplete_ GUARDED_BY(mutex_) = 0;
};

// What the workers share: the next chunk to take, and how the fetch ended.
// After a transport error the other connections finish the chunks they are
// on (bytes a resume keeps) but take no new one; after anything else
// (moved, a protocol or local error) they stop at once.
struct FetchState {
  std::atomic<uint64_t> next_chunk{0};
  std::atomic<bool> stop{false};
  std::atomic<bool> no_new_chunks{false};
  Mutex mutex;
  std::optional<ClientError> error GUARDED_BY(mutex);  // the first one
  bool moved GUARDED_BY(mutex) = false;

  void fail_with(ClientError e) EXCLUDES(mutex) {
    MutexLock lock(mutex);
    const bool transport = e.kind == ClientError::Kind::kTransport;
    if (!error && !moved) error = std::move(e);
    no_new_chunks = true;
    if (!transport) stop = true;
  }
  void mark_moved() EXCLUDES(mutex) {
    MutexLock lock(mutex);
    if (!error) moved = true;
    stop = true;
  }
};

// Writes all of `data` at `offset` of `fd`; the errno on failure.
std::error_code write_at(int fd, std::span<const uint8_t> data, uint64_t offset) {
  while (!data.empty()) {
    ssize_t n = ::pwrite(fd, data.data(), data.size(), static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return {errno, std::generic_category()};
    data = data.subspan(static_cast<size_t>(n));
    offset += static_cast<uint64_t>(n);
  }
  return {};
}

// Writes a chunk's bytes at their place in the file with pwrite, receiving
// them into a block the PrefixHasher can take over, so bytes that arrive in
// order are hashed from memory instead of read back from the file.
//
// Each receive ends at a 1 MiB boundary of the file, so after the first piece
// of a chunk the pieces are whole aligned blocks: those go through the
// O_DIRECT descriptor when there is one (no copy into the page cache, which
// costs a pull about as much CPU as receiving), the others through `fd`.
class ChunkSink : public BodySink {
 public:
  ChunkSink(int fd, int direct_fd, uint64_t offset, PrefixHasher& hasher,
            PrefixHasher::Block& block)
      : fd_(fd), direct_fd_(direct_fd), offset_(offset), hasher_(hasher), block_(block) {}

  std::span<uint8_t> receive_buffer() override {
    const size_t to_boundary = PrefixHasher::kBlockSize -
                               static_cast<size_t>((offset_ + written_) % PrefixHasher::kBlockSize);
    return {block_.get(), to_boundary};
  }

  std::error_code write(std::span<const uint8_t> data) override {
    // Bytes received elsewhere (those that came with the response head) are
    // copied into the block, so the stream of offered bytes has no gap: a gap
    // would leave everything after it to be read back.
    if (data.data() != block_.get() && data.size() <= PrefixHasher::kBlockSize) {
      std::memcpy(block_.get(), data.data(), data.size());
      data = std::span<const uint8_t>(block_.get(), data.size());
    }
    const uint64_t at = offset_ + written_;
    constexpr size_t kAlign = PrefixHasher::kBlockAlignment;
    const bool aligned = data.data() == block_.get() && at % kAlign == 0 &&
                         data.size() % kAlign == 0 && !data.empty();
    std::error_code ec;
    if (direct_fd_ >= 0 && aligned) {
      ec = write_at(direct_fd_, data, at);
      // A file system may refuse direct I/O only when it is tried.
      if (ec == std::errc::invalid_argument) {
        direct_fd_ = -1;
        ec = write_at(fd_, data, at);
      }
    } else {
      ec = write_at(fd_, data, at);
    }
    if (ec) return ec;
    written_ += data.size();
    // Before the bytes are reported written: the hasher then never reads
    // back what it is about to be handed.
    if (data.data() == block_.get()) hasher_.offer(at, block_, data.size());
    return on_written ? on_written(data.size()) : std::error_code();
  }

  uint64_t written() const { return written_; }
  // Called with every piece's size after it is written; a non-zero error
  // stops the transfer with it.
  std::function<std::error_code(uint64_t)> on_written;

 private:
  const int fd_;
  int direct_fd_;
  const uint64_t offset_;
  uint64_t written_ = 0;
  PrefixHasher& hasher_;
  PrefixHasher::Block& block_;
};

std::string range_header(uint64_t first, uint64_t last) {
  return "bytes=" + std::to_string(first) + "-" + std::to_string(last);
}

// Fetches chunks until none is left or the fetch stops.
void fetch_chunks(S3Client& s3, const FetchPlan& plan, uint64_t count, int fd, int direct_fd,
                  ChunkLedger& ledger, PrefixHasher& hasher, TransferProgress* progress,
                  const std::function<void(uint64_t)>& on_chunk_prefix, FetchState& state) {
  PrefixHasher::Block block = PrefixHasher::new_block();  // this connection's, until handed over
  while (!state.stop && !state.no_new_chunks) {
    const uint64_t chunk = state.next_chunk.fetch_add(1);
    if (chunk >= count) return;
    const uint64_t first = ledger.start(chunk);
    const uint64_t end = ledger.end(chunk);
    const bool whole = first == 0 && end == plan.size;
    Headers headers = {{"If-Match", plan.etag}};
    if (!whole) headers.emplace_back("Range", range_header(first, end - 1));

    ChunkSink sink(fd, direct_fd, first, hasher, block);
    sink.on_written = [&](uint64_t n) -> std::error_code {
      bool joined = false;
      const uint64_t prefix = ledger.add(chunk, n, &joined);
      hasher.written_up_to(prefix);
      if (joined && on_chunk_prefix) on_chunk_prefix(prefix);
      if (progress) progress->add(n);
      if (state.stop) return std::make_error_code(std::errc::operation_canceled);
      return {};
    };
    std::optional<ClientError> head_problem;
    bool moved = false;
    auto choose = [&](const HttpResponse& r) -> BodySink* {
      if (r.status != 200 && r.status != 206) return nullptr;
      std::string_view etag = r.header("etag");
      std::string_view resolved = r.header("x-moss-resolved-key");
      if ((!etag.empty() && etag != plan.etag) ||
          (!resolved.empty() && !plan.resolved_key.empty() && resolved != plan.resolved_key)) {
        moved = true;
        return nullptr;
      }
      if (r.status == 206) {
        const std::string expected = "bytes " + std::to_string(first) + "-" +
                                     std::to_string(end - 1) + "/" + std::to_string(plan.size);
        if (r.header("content-range") != expected) {
          head_problem = ClientError::protocol("asked for " + range_header(first, end - 1) +
                                               ", got " + std::string(r.header("content-range")));
          return nullptr;
        }
      } else if (!whole) {
        head_problem = ClientError::protocol("asked for " + range_header(first, end - 1) +
                                             ", got the whole object");
        return nullptr;
      }
      return &sink;
    };
    auto got = s3.get_object(plan.bucket, plan.key, std::move(headers), choose);
    if (!got) {
      // A sink stopped by another worker's failure is not a failure of its own.
      if (!state.stop) state.fail_with(got.error());
      return;
    }
    if (moved || got->status == 412) {
      state.mark_moved();
      return;
    }
    if (head_problem) {
      state.fail_with(*head_problem);
      return;
    }
    if (got->status != 200 && got->status != 206) {
      state.fail_with(error_from_response(got->status, got->body, got->header("x-amz-request-id")));
      return;
    }
    if (sink.written() != end - first) {
      state.fail_with(ClientError::protocol("received " + std::to_string(sink.written()) +
                                            " of the " + std::to_string(end - first) +
                                            " bytes of " + range_header(first, end - 1)));
      return;
    }
  }
}

}  // namespace

uint64_t chunk_count(const FetchPlan& plan) {
  if (plan.from >= plan.size) return 0;
  const uint64_t chunk = std::max<uint64_t>(plan.chunk_size, 1);
  return (plan.size - plan.from + chunk - 1) / chunk;
}

Result<FetchOutcome, ClientError> fetch_ranges(
    S3Client& s3, const FetchPlan& given, int fd, int direct_fd, PrefixHasher& hasher,
    TransferProgress* progress, const std::function<void(uint64_t)>& on_chunk_prefix) {
  FetchPlan plan = given;
  plan.chunk_size = std::max<uint64_t>(plan.chunk_size, 1);
  const uint64_t count = chunk_count(plan);
  if (count == 0) return FetchOutcome::kComplete;
  ChunkLedger ledger(plan, count);
  FetchState state;
  const uint64_t workers =
      std::min<uint64_t>(count, static_cast<uint64_t>(std::max(plan.connections, 1)));

  std::vector<std::unique_ptr<S3Client>> clients;
  std::vector<std::thread> threads;
  for (uint64_t i = 1; i < workers; ++i) {
    clients.push_back(std::make_unique<S3Client>(s3.config()));
    S3Client& client = *clients.back();
    threads.emplace_back([&, &client = client] {
      fetch_chunks(client, plan, count, fd, direct_fd, ledger, hasher, progress, on_chunk_prefix,
                   state);
    });
  }
  fetch_chunks(s3, plan, count, fd, direct_fd, ledger, hasher, progress, on_chunk_prefix, state);
  for (auto& t : threads) t.join();

  MutexLock lock(state.mutex);
  if (state.error) return fail(*state.error);
  if (state.moved) return FetchOutcome::kMoved;
  return FetchOutcome::kComplete;
}

}  // namespace moss::client
