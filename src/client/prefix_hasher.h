// Hashes a download in order while other threads are still receiving it,
// possibly out of order, so a download's SHA-256 costs no time on the threads
// receiving it and the hash is ready moments after the last byte lands.
//
// The bytes are hashed from the memory they were received into wherever that
// is possible: a receiving thread hands over its filled block (offer) and gets
// a free one back, so in-order bytes (one connection, or the connection at
// the front of several) are never read again. Blocks ahead of the hashed
// prefix are kept too while few are held. Whatever was not handed over is read
// back from the file (pread, from the page cache) once the writers report it
// written (written_up_to). Memory stays bounded: at most the blocks the
// constructor allows are held, plus one block for reading back.
//
// It also starts the kernel's writeback of what it has hashed
// (sync_file_range), so the fsync before the rename has little left to do.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <new>
#include <string>
#include <thread>
#include <vector>

#include "moss/client/file_download.h"
#include "moss/util/digest.h"
#include "moss/util/mutex.h"
#include "moss/util/result.h"

namespace moss::client {

class PrefixHasher {
 public:
  // What a receiving thread receives into, and hands over.
  static constexpr size_t kBlockSize = 1 << 20;
  // Aligned for O_DIRECT writes straight from the block (see ranged_fetch).
  static constexpr size_t kBlockAlignment = 4096;
  struct BlockDelete {
    void operator()(uint8_t* p) const { ::operator delete[](p, std::align_val_t{kBlockAlignment}); }
  };
  using Block = std::unique_ptr<uint8_t[], BlockDelete>;
  static Block new_block();

  // By default at most this many handed-over blocks are held at once
  // (16 MiB); at most half of them ahead of the hashed prefix, so the front
  // never starves.
  static constexpr size_t kDefaultHeldBlocks = DownloadTuning::kDefaultHeldBlocks;
  static constexpr size_t kFewestHeldBlocks = 2;  // one at the front, one ahead

  // Hashes [from, to) of `fd` into `hasher`, both of which outlive this,
  // holding at most `max_held_blocks` (at least kFewestHeldBlocks).
  PrefixHasher(int fd, Hasher& hasher, uint64_t from, uint64_t to,
               size_t max_held_blocks = kDefaultHeldBlocks);
  ~PrefixHasher() EXCLUDES(mutex_);  // stops without waiting for the rest
  PrefixHasher(const PrefixHasher&) = delete;
  PrefixHasher& operator=(const PrefixHasher&) = delete;

  // The first `size` bytes of `block` are the file's [offset, offset + size)
  // and are written to it. The hasher may keep them and put a free block in
  // `block` (waiting for one when the bytes are next in line and every block
  // is in use), or leave `block` alone (the bytes are read back later). Call
  // before reporting the bytes written.
  void offer(uint64_t offset, Block& block, size_t size) EXCLUDES(mutex_);

  // Bytes [from, end) are written. Calls may come from any thread; a smaller
  // end than before is ignored.
  void written_up_to(uint64_t end) EXCLUDES(mutex_);

  // Waits until [from, to) is hashed; the pread error text if one failed.
  Result<void, std::string> finish();

  // How many bytes were hashed from handed-over blocks, and how many read
  // back from the file (valid after finish).
  uint64_t hashed_from_memory() const { return from_memory_; }
  uint64_t hashed_from_file() const { return from_file_; }
  // The blocks it allocated to hold handed-over bytes: the most it held at once.
  size_t blocks_allocated() const EXCLUDES(mutex_);

 private:
  struct Piece {
    Block block;
    size_t size = 0;
  };

  void run() EXCLUDES(mutex_);
  // Where the bytes hashed or held contiguously from hashed_ end.
  uint64_t contiguous_end() const REQUIRES(mutex_);
  // Returns held pieces that lie wholly below hashed_ to the spares.
  void drop_stale_pieces() REQUIRES(mutex_);

  const int fd_;
  Hasher& hasher_;
  const uint64_t from_;
  const uint64_t to_;
  const size_t max_held_;
  mutable Mutex mutex_;
  std::condition_variable_any changed_;
  uint64_t written_end_ GUARDED_BY(mutex_);
  uint64_t hashed_ GUARDED_BY(mutex_);
  uint64_t hashing_to_ GUARDED_BY(mutex_) = 0;  // the end of what is being hashed now
  bool stopping_ GUARDED_BY(mutex_) = false;
  std::map<uint64_t, Piece> held_ GUARDED_BY(mutex_);  // by file offset
  std::vector<Block> spares_ GUARDED_BY(mutex_);
  size_t blocks_ GUARDED_BY(mutex_) = 0;  // held_ plus spares_
  // Written by the hashing thread only, read after it ended.
  std::string error_;
  uint64_t from_memory_ = 0;
  uint64_t from_file_ = 0;
  std::thread thread_;
};

}  // namespace moss::client
