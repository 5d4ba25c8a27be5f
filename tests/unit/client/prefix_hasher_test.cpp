// PrefixHasher: a file written out of order by several threads is hashed in
// order, exactly once, as its written prefix grows; bytes handed over in
// memory are hashed from there, the rest read back from the file.
#include "client/prefix_hasher.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "moss/util/digest.h"
#include "moss/util/hex.h"

namespace moss::client {
namespace {

class TempFile {
 public:
  TempFile() {
    char name[] = "/tmp/moss-prefix-hasher-XXXXXX";
    fd_ = ::mkstemp(name);
    path_ = name;
  }
  ~TempFile() {
    ::close(fd_);
    ::unlink(path_.c_str());
  }
  int fd() const { return fd_; }

 private:
  int fd_;
  std::string path_;
};

std::string random_bytes(size_t n) {
  std::mt19937_64 rng(7);
  std::string bytes(n, '\0');
  for (auto& c : bytes) c = static_cast<char>(rng());
  return bytes;
}

void write_at(int fd, const std::string& bytes, size_t offset, size_t length) {
  ASSERT_EQ(::pwrite(fd, bytes.data() + offset, length, static_cast<off_t>(offset)),
            static_cast<ssize_t>(length));
}

TEST(PrefixHasher, HashesChunksWrittenOutOfOrderInOrder) {
  TempFile file;
  const size_t chunk = 700 * 1024 + 3;  // not a multiple of the hasher's block
  const std::string bytes = random_bytes(5 * chunk + 11);
  auto hasher = make_hasher(DigestAlgorithm::kSha256);
  {
    PrefixHasher follower(file.fd(), *hasher, 0, bytes.size());
    // Chunks land in the order 2, 0, 4, 1, 5, 3; the prefix is reported as it grows.
    std::vector<size_t> order = {2, 0, 4, 1, 5, 3};
    std::vector<bool> landed(6, false);
    for (size_t c : order) {
      const size_t start = c * chunk;
      write_at(file.fd(), bytes, start, std::min(chunk, bytes.size() - start));
      landed[c] = true;
      size_t prefix = 0;
      while (prefix < 6 && landed[prefix]) ++prefix;
      follower.written_up_to(std::min(prefix * chunk, bytes.size()));
    }
    ASSERT_TRUE(follower.finish().ok());
  }
  EXPECT_EQ(to_hex(hasher->final()), to_hex(digest(DigestAlgorithm::kSha256, bytes)));
}

TEST(PrefixHasher, ContinuesAHashThatAlreadyHoldsTheStart) {
  TempFile file;
  const std::string bytes = random_bytes(3 << 20);
  const size_t resumed_at = 1234567;
  auto hasher = make_hasher(DigestAlgorithm::kSha256);
  hasher->update(std::string_view(bytes).substr(0, resumed_at));
  write_at(file.fd(), bytes, 0, resumed_at);
  {
    PrefixHasher follower(file.fd(), *hasher, resumed_at, bytes.size());
    std::thread writer([&] {
      for (size_t at = resumed_at; at < bytes.size(); at += 100000) {
        const size_t n = std::min<size_t>(100000, bytes.size() - at);
        write_at(file.fd(), bytes, at, n);
        follower.written_up_to(at + n);
      }
    });
    writer.join();
    ASSERT_TRUE(follower.finish().ok());
  }
  EXPECT_EQ(to_hex(hasher->final()), to_hex(digest(DigestAlgorithm::kSha256, bytes)));
}

// Writes bytes[at, at + n) to the file through `block` as a receiving thread
// does: into the block, to the file, offered, then reported written.
void receive(PrefixHasher& follower, int fd, const std::string& bytes, size_t at, size_t n,
             PrefixHasher::Block& block, bool offer) {
  std::memcpy(block.get(), bytes.data() + at, n);
  ASSERT_EQ(::pwrite(fd, block.get(), n, static_cast<off_t>(at)), static_cast<ssize_t>(n));
  if (offer) follower.offer(at, block, n);
}

TEST(PrefixHasher, BytesHandedOverInOrderAreNotReadBack) {
  TempFile file;
  const std::string bytes = random_bytes((40 << 20) + 12345);  // more blocks than it may hold
  auto hasher = make_hasher(DigestAlgorithm::kSha256);
  PrefixHasher::Block block = PrefixHasher::new_block();
  uint64_t from_file = 0, from_memory = 0;
  {
    PrefixHasher follower(file.fd(), *hasher, 0, bytes.size());
    for (size_t at = 0; at < bytes.size(); at += PrefixHasher::kBlockSize) {
      const size_t n = std::min(PrefixHasher::kBlockSize, bytes.size() - at);
      receive(follower, file.fd(), bytes, at, n, block, true);
      follower.written_up_to(at + n);
    }
    ASSERT_TRUE(follower.finish().ok());
    from_file = follower.hashed_from_file();
    from_memory = follower.hashed_from_memory();
  }
  EXPECT_EQ(to_hex(hasher->final()), to_hex(digest(DigestAlgorithm::kSha256, bytes)));
  EXPECT_EQ(from_file, 0u);
  EXPECT_EQ(from_memory, bytes.size());
}

TEST(PrefixHasher, HoldsNoMoreBlocksThanItIsAllowed) {
  // A receiver far faster than the hash (memcpy against SHA-256): without a
  // cap the hasher would keep every block handed over.
  TempFile file;
  const std::string bytes = random_bytes(24 << 20);
  for (size_t allowed : {size_t{1}, size_t{4}, PrefixHasher::kDefaultHeldBlocks}) {
    auto hasher = make_hasher(DigestAlgorithm::kSha256);
    PrefixHasher::Block block = PrefixHasher::new_block();
    size_t allocated = 0;
    {
      PrefixHasher follower(file.fd(), *hasher, 0, bytes.size(), allowed);
      for (size_t at = 0; at < bytes.size(); at += PrefixHasher::kBlockSize) {
        receive(follower, file.fd(), bytes, at, PrefixHasher::kBlockSize, block, true);
        follower.written_up_to(at + PrefixHasher::kBlockSize);
      }
      ASSERT_TRUE(follower.finish().ok());
      allocated = follower.blocks_allocated();
    }
    EXPECT_EQ(to_hex(hasher->final()), to_hex(digest(DigestAlgorithm::kSha256, bytes))) << allowed;
    EXPECT_GE(allocated, 1u) << allowed;
    EXPECT_LE(allocated, std::max(allowed, PrefixHasher::kFewestHeldBlocks)) << allowed;
  }
}

TEST(PrefixHasher, SeveralReceiversHandingOverSomeBlocksGiveTheSameHash) {
  TempFile file;
  const size_t chunk = (3 << 20) + 777;
  const size_t chunks = 12;
  const std::string bytes = random_bytes(chunks * chunk - 99);
  auto hasher = make_hasher(DigestAlgorithm::kSha256);
  uint64_t from_file = 0, from_memory = 0;
  {
    PrefixHasher follower(file.fd(), *hasher, 0, bytes.size());
    std::mutex mutex;
    std::vector<size_t> written(chunks, 0);
    auto chunk_size = [&](size_t c) { return std::min(chunk, bytes.size() - c * chunk); };
    std::atomic<size_t> next{0};
    std::vector<std::thread> receivers;
    for (int r = 0; r < 4; ++r) {
      receivers.emplace_back([&, r] {
        PrefixHasher::Block block = PrefixHasher::new_block();
        int piece = 0;
        for (size_t c; (c = next.fetch_add(1)) < chunks;) {
          for (size_t done = 0; done < chunk_size(c);) {
            // Pieces of varying sizes; every third one is not handed over.
            const size_t n = std::min<size_t>(chunk_size(c) - done,
                                              PrefixHasher::kBlockSize - 4096 * (piece % 5));
            receive(follower, file.fd(), bytes, c * chunk + done, n, block, ++piece % 3 != r % 3);
            done += n;
            std::lock_guard lock(mutex);
            written[c] = done;
            size_t prefix = 0, f = 0;
            for (; f < chunks && written[f] == chunk_size(f); ++f) prefix += chunk_size(f);
            if (f < chunks) prefix += written[f];
            follower.written_up_to(prefix);
          }
        }
      });
    }
    for (auto& t : receivers) t.join();
    ASSERT_TRUE(follower.finish().ok());
    from_file = follower.hashed_from_file();
    from_memory = follower.hashed_from_memory();
  }
  EXPECT_EQ(to_hex(hasher->final()), to_hex(digest(DigestAlgorithm::kSha256, bytes)));
  EXPECT_EQ(from_file + from_memory, bytes.size());
  EXPECT_GT(from_memory, 0u);
}

TEST(PrefixHasher, AFileShorterThanReportedIsAnError) {
  TempFile file;
  const std::string bytes = random_bytes(1000);
  write_at(file.fd(), bytes, 0, 500);
  auto hasher = make_hasher(DigestAlgorithm::kSha256);
  PrefixHasher follower(file.fd(), *hasher, 0, 1000);
  follower.written_up_to(1000);  // a lie: only 500 bytes are there
  auto finished = follower.finish();
  ASSERT_FALSE(finished.ok());
  EXPECT_NE(finished.error().find("shorter"), std::string::npos);
}

}  // namespace
}  // namespace moss::client
