// A file of an upstream revision while its bytes arrive (hub_mirror.h). The
// mirror's transfer writes them into a temporary blob file and publishes how
// many are in it; the requests that started or joined the transfer read that
// file up to the published count (through one shared read descriptor, at an
// offset: sendfile and pread leave it alone) and learn the outcome at the end.
//
// Readers poll arrived() and state() from their own executor (a timer), so no
// thread waits per reader; wait_finished() is for callers that block anyway.
// Thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>

#include "moss/hub_mirror/hub_upstream.h"
#include "moss/store/object_types.h"
#include "moss/util/result.h"
#include "moss/util/unique_fd.h"

namespace moss::hub_mirror {

class ArrivingFile {
 public:
  enum class State { kArriving, kStored, kFailed };

  ArrivingFile(UpstreamFile file, std::string commit, UniqueFd reader)
      : file_(std::move(file)), commit_(std::move(commit)), reader_(std::move(reader)) {}

  // What the upstream states of the file: its size and (LFS) SHA-256.
  const UpstreamFile& file() const { return file_; }
  // The upstream commit the bytes come from.
  const std::string& commit() const { return commit_; }
  // The temporary file's bytes [0, arrived()) are written and readable here.
  int fd() const { return reader_.get(); }
  uint64_t arrived() const { return arrived_.load(std::memory_order_acquire); }
  State state() const { return state_.load(std::memory_order_acquire); }
  // The stored version or why nothing was stored; only once state() is not
  // kArriving.
  const Result<store::ObjectVersion, UpstreamError>& outcome() const { return outcome_; }
  // Blocks until the transfer has finished.
  void wait_finished() const;

  // The transfer's side: `n` more bytes are in the file; then its outcome.
  void add_arrived(uint64_t n) { arrived_.fetch_add(n, std::memory_order_acq_rel); }
  void finish(Result<store::ObjectVersion, UpstreamError> outcome);

 private:
  const UpstreamFile file_;
  const std::string commit_;
  const UniqueFd reader_;
  std::atomic<uint64_t> arrived_{0};
  std::atomic<State> state_{State::kArriving};
  // Written once, before state_ leaves kArriving (release), read after.
  Result<store::ObjectVersion, UpstreamError> outcome_ = fail(UpstreamError{});
  mutable std::mutex mutex_;
  mutable std::condition_variable finished_;
};

}  // namespace moss::hub_mirror
