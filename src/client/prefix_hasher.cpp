#include "prefix_hasher.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace moss::client {
namespace {

// Writeback is started in steps this big (the disk sees large sequential writes).
constexpr uint64_t kWritebackStep = 32 << 20;

}  // namespace

PrefixHasher::Block PrefixHasher::new_block() {
  return Block(
      static_cast<uint8_t*>(::operator new[](kBlockSize, std::align_val_t{kBlockAlignment})));
}

PrefixHasher::PrefixHasher(int fd, Hasher& hasher, uint64_t from, uint64_t to,
                           size_t max_held_blocks)
    : fd_(fd),
      hasher_(hasher),
      from_(from),
      to_(to),
      max_held_(std::max(max_held_blocks, kFewestHeldBlocks)),
      written_end_(from),
      hashed_(from) {
  thread_ = std::thread([this] { run(); });
}

size_t PrefixHasher::blocks_allocated() const {
  MutexLock lock(mutex_);
  return blocks_;
}

PrefixHasher::~PrefixHasher() {
  {
    MutexLock lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

uint64_t PrefixHasher::contiguous_end() const {
  uint64_t end = std::max(hashed_, hashing_to_);
  for (const auto& [offset, piece] : held_) {  // in file order; at most max_held_
    if (offset > end) break;
    end = std::max(end, offset + piece.size);
  }
  return end;
}

void PrefixHasher::drop_stale_pieces() {
  while (!held_.empty() && held_.begin()->first + held_.begin()->second.size <= hashed_) {
    spares_.push_back(std::move(held_.begin()->second.block));
    held_.erase(held_.begin());
  }
}

void PrefixHasher::offer(uint64_t offset, Block& block, size_t size) {
  {
    MutexLock lock(mutex_);
    if (stopping_ || size == 0 || offset + size <= hashed_ || held_.contains(offset)) return;
    const bool next_in_line = offset <= contiguous_end();
    if (!next_in_line) {
      // Ahead of the front: only while few are, and only from a free block.
      const uint64_t front = contiguous_end();
      size_t ahead = 0;
      for (auto it = held_.upper_bound(front); it != held_.end(); ++it) ++ahead;
      if (ahead >= max_held_ / 2 || (spares_.empty() && blocks_ >= max_held_)) return;
    }
    // The front waits for a free block: the hashing thread frees one with
    // every block it hashes, and at most half are held ahead of the front.
    changed_.wait(mutex_, [&]() REQUIRES(mutex_) {
      return stopping_ || !spares_.empty() || blocks_ < max_held_;
    });
    if (stopping_) return;
    Block replacement;
    if (!spares_.empty()) {
      replacement = std::move(spares_.back());
      spares_.pop_back();
    } else {
      replacement = new_block();
      ++blocks_;
    }
    held_.emplace(offset, Piece{std::move(block), size});
    block = std::move(replacement);
  }
  changed_.notify_all();
}

void PrefixHasher::written_up_to(uint64_t end) {
  {
    MutexLock lock(mutex_);
    if (end <= written_end_) return;
    written_end_ = std::min(end, to_);
  }
  changed_.notify_all();
}

Result<void, std::string> PrefixHasher::finish() {
  if (thread_.joinable()) thread_.join();
  if (!error_.empty()) return fail(error_);
  return {};
}

void PrefixHasher::run() {
  Block read_back;  // for bytes nobody handed over; made when first needed
  uint64_t writeback_from = from_;
  mutex_.lock();  // held except around the hashing, reading and writeback
  while (hashed_ < to_) {
    // The wait unlocks mutex_ while it sleeps and holds it again when it returns.
    changed_.wait(mutex_, [&]() REQUIRES(mutex_) {
      drop_stale_pieces();
      return stopping_ || written_end_ > hashed_ ||
             (!held_.empty() && held_.begin()->first <= hashed_);
    });
    if (stopping_) break;
    const uint64_t start = hashed_;
    if (!held_.empty() && held_.begin()->first <= start) {
      // Handed over: hash it from memory, then give the block back.
      Piece piece = std::move(held_.begin()->second);
      const uint64_t offset = held_.begin()->first;
      held_.erase(held_.begin());
      const size_t skip = static_cast<size_t>(start - offset);
      hashing_to_ = offset + piece.size;
      mutex_.unlock();
      hasher_.update(std::span<const uint8_t>(piece.block.get() + skip, piece.size - skip));
      from_memory_ += piece.size - skip;
      mutex_.lock();
      hashed_ = offset + piece.size;
      spares_.push_back(std::move(piece.block));
      changed_.notify_all();
    } else {
      // Written but not handed over: read it back, up to the next held piece.
      uint64_t end = std::min(written_end_, start + kBlockSize);
      if (auto next = held_.upper_bound(start); next != held_.end())
        end = std::min(end, next->first);
      hashing_to_ = end;
      mutex_.unlock();
      if (!read_back) read_back = new_block();
      ssize_t n = ::pread(fd_, read_back.get(), static_cast<size_t>(end - start),
                          static_cast<off_t>(start));
      const int read_errno = errno;
      if (n > 0) {
        hasher_.update(std::span<const uint8_t>(read_back.get(), static_cast<size_t>(n)));
        from_file_ += static_cast<uint64_t>(n);
      }
      mutex_.lock();
      if (n < 0 && read_errno == EINTR) continue;
      if (n <= 0) {
        error_ = n < 0 ? std::string("read: ") + std::strerror(read_errno)
                       : std::string("the file is shorter than what was written to it");
        stopping_ = true;  // frees anyone waiting in offer
        break;
      }
      hashed_ = start + static_cast<uint64_t>(n);
    }
    if (hashed_ - writeback_from >= kWritebackStep || hashed_ == to_) {
      const uint64_t done = hashed_;
      mutex_.unlock();
      (void)::sync_file_range(fd_, static_cast<off_t>(writeback_from),
                              static_cast<off_t>(done - writeback_from), SYNC_FILE_RANGE_WRITE);
      mutex_.lock();
      writeback_from = done;
    }
  }
  mutex_.unlock();
  changed_.notify_all();  // offers waiting for a block return at once
}

}  // namespace moss::client
