#include "moss/store/local_blob_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>

#include "background_unlink.h"
#include "blob_fd_cache.h"
#include "early_sync.h"
#include "moss/util/fs.h"
#include "moss/util/hex.h"
#include "moss/util/random_id.h"
#include "moss/util/side_by_side.h"

namespace moss::store {
namespace {

// The failure errno describes; a full filesystem (or quota) is kNoSpace, which
// clients see as 507 and do not retry, rather than a 500 they would.
Unexpected<StoreError> io_fail(const std::string& what) {
  const int error = errno;
  return store_fail(error == ENOSPC || error == EDQUOT ? StoreErrc::kNoSpace : StoreErrc::kIo,
                    what + ": " + std::strerror(error));
}

bool is_sha256_hex(std::string_view s) { return s.size() == 64 && is_lower_hex(s); }

// An unneeded copy this large is removed on a thread of its own
// (background_unlink.h); a smaller one costs less to remove than to hand over.
constexpr uint64_t kDiscardInBackgroundFrom = 8 << 20;

class LocalSealedBlob final : public SealedBlob {
 public:
  LocalSealedBlob(std::string tmp_path, std::string sha256, uint64_t size, std::string md5,
                  std::map<DigestAlgorithm, std::string> digests)
      : tmp_path_(std::move(tmp_path)),
        sha256_(std::move(sha256)),
        size_(size),
        md5_(std::move(md5)),
        digests_(std::move(digests)) {}
  ~LocalSealedBlob() override {
    if (!linked_) ::unlink(tmp_path_.c_str());
  }
  const std::string& sha256_hex() const override { return sha256_; }
  uint64_t size() const override { return size_; }
  const std::string& md5_hex() const override { return md5_; }
  const std::map<DigestAlgorithm, std::string>& digests() const override { return digests_; }
  StoreResult<UniqueFd> open_read() const override {
    UniqueFd fd(::open(tmp_path_.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) return io_fail("open " + tmp_path_);
    return fd;
  }

  const std::string& tmp_path() const { return tmp_path_; }
  void mark_linked() { linked_ = true; }

 private:
  std::string tmp_path_;
  std::string sha256_;
  uint64_t size_;
  std::string md5_;
  std::map<DigestAlgorithm, std::string> digests_;
  bool linked_ = false;
};

class LocalBlobWriter final : public BlobWriter {
 public:
  LocalBlobWriter(std::string tmp_path, UniqueFd fd, bool direct,
                  std::vector<DigestAlgorithm> extra)
      : tmp_path_(std::move(tmp_path)),
        fd_(std::move(fd)),
        direct_(direct),
        early_sync_(fd_.get(), kEarlySyncStep),
        sha256_(make_hasher(DigestAlgorithm::kSha256)),
        md5_(make_hasher(DigestAlgorithm::kMd5)) {
    for (auto a : extra) {
      if (a != DigestAlgorithm::kSha256 && a != DigestAlgorithm::kMd5) {
        extra_.push_back(make_hasher(a));
      }
    }
  }
  ~LocalBlobWriter() override {
    early_sync_.finish();
    if (fd_.valid()) {
      fd_.reset();
      ::unlink(tmp_path_.c_str());
    }
  }

  StoreResult<void> write(std::span<const uint8_t> data) override {
    if (data.size() < kLanesApartFrom) {
      for (size_t lane = 0; lane < kLaneCount; ++lane) {
        if (auto r = write_lane(lane, data); !r) return r;
      }
      return {};
    }
    StoreResult<void> written;
    run_side_by_side([&] { (void)write_lane(kMd5Lane, data); },
                     [&] {
                       (void)write_lane(kDigestLane, data);
                       written = write_lane(kFileLane, data);
                     });
    return written;
  }

  size_t lane_count() const override { return kLaneCount; }

  StoreResult<void> write_lane(size_t lane, std::span<const uint8_t> data) override {
    switch (lane) {
      case kMd5Lane:
        md5_->update(data);
        return {};
      case kDigestLane:
        sha256_->update(data);
        for (auto& h : extra_) h->update(data);
        return {};
      case kFileLane:
        if (!write_all(data)) return io_fail("write " + tmp_path_);
        written_ += data.size();
        if (!direct_) start_writeback();
        early_sync_.wrote(written_);
        return {};
      default:
        return store_fail(StoreErrc::kIo, "no write lane " + std::to_string(lane));
    }
  }

  StoreResult<std::unique_ptr<SealedBlob>> seal() override {
    if (int e = early_sync_.finish()) {
      errno = e;
      return io_fail("fdatasync " + tmp_path_);
    }
    if (::fdatasync(fd_.get()) != 0) return io_fail("fdatasync " + tmp_path_);
    fd_.reset();
    std::map<DigestAlgorithm, std::string> digests;
    for (auto& h : extra_) digests.emplace(h->algorithm(), h->final());
    auto sha = sha256_->final();
    digests.emplace(DigestAlgorithm::kSha256, sha);
    auto md5 = md5_->final();
    return std::unique_ptr<SealedBlob>(std::make_unique<LocalSealedBlob>(
        std::move(tmp_path_), to_hex(sha), written_, to_hex(md5), std::move(digests)));
  }

  uint64_t bytes_written() const override { return written_; }

  StoreResult<UniqueFd> open_read() const override {
    UniqueFd fd(::open(tmp_path_.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) return io_fail("open " + tmp_path_);
    return fd;
  }

 private:
  // MD5 (the ETag, the slowest digest and inherently serial) has a lane of its
  // own, so that it never waits for SHA-256 or the disk; the disk's lane
  // waits for the device without holding up either digest.
  enum Lane : size_t { kMd5Lane, kDigestLane, kFileLane, kLaneCount };
  static constexpr uint64_t kWritebackStep = 8 << 20;
  static constexpr uint64_t kEarlySyncStep = 64 << 20;
  static constexpr size_t kDirectIoAlignment = kPreferredAlignment;

  // Starts writing the bytes received so far to the disk in the background.
  // Without it the kernel would hold a large upload in the page cache until
  // seal()'s fdatasync, which would then wait for all of it at once; with it,
  // the disk works while the network does and the final sync has little left.
  void start_writeback() {
    if (written_ - writeback_start_ < kWritebackStep) return;
    ::sync_file_range(fd_.get(), static_cast<off_t>(writeback_start_),
                      static_cast<off_t>(written_ - writeback_start_), SYNC_FILE_RANGE_WRITE);
    writeback_start_ = written_;
  }

  bool write_all(std::span<const uint8_t> data) {
    if (direct_ && !direct_io_possible(data)) {
      // The tail of an upload (or a caller's unaligned buffer): the rest goes
      // through the page cache.
      int flags = ::fcntl(fd_.get(), F_GETFL);
      if (flags < 0 || ::fcntl(fd_.get(), F_SETFL, flags & ~O_DIRECT) != 0) return false;
      direct_ = false;
      writeback_start_ = written_;
    }
    size_t done = 0;
    while (done < data.size()) {
      ssize_t n = ::write(fd_.get(), data.data() + done, data.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return false;
      done += static_cast<size_t>(n);
    }
    return true;
  }

  bool direct_io_possible(std::span<const uint8_t> data) const {
    return reinterpret_cast<uintptr_t>(data.data()) % kDirectIoAlignment == 0 &&
           data.size() % kDirectIoAlignment == 0 && written_ % kDirectIoAlignment == 0;
  }

  std::string tmp_path_;
  UniqueFd fd_;
  // Writing with O_DIRECT: the bytes go from the caller's buffer to the disk
  // without being copied into the page cache, which on a large upload costs
  // more CPU than SHA-256 does. Needs aligned buffers and sizes; see
  // kDirectIoAlignment.
  bool direct_;
  EarlySync early_sync_;  // of fd_, in the file's lane
  std::unique_ptr<Hasher> sha256_;
  std::unique_ptr<Hasher> md5_;
  std::vector<std::unique_ptr<Hasher>> extra_;
  uint64_t written_ = 0;
  uint64_t writeback_start_ = 0;
};

// <host>-<pid>-: with random bytes after it, a temporary name no other
// replica on the same shared directory can pick.
std::string temp_name_prefix() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  std::string name;
  for (const char* p = host; *p; ++p) {
    name.push_back(std::isalnum(static_cast<unsigned char>(*p)) || *p == '.' ? *p : '_');
  }
  return name + "-" + std::to_string(::getpid()) + "-";
}

}  // namespace

LocalBlobStore::LocalBlobStore(std::string data_dir)
    : blobs_dir_(data_dir + "/blobs"),
      tmp_dir_(data_dir + "/tmp"),
      tmp_prefix_(temp_name_prefix()),
      fd_cache_(std::make_unique<BlobFdCache>()),
      discards_(std::make_unique<BackgroundUnlink>()) {}

LocalBlobStore::~LocalBlobStore() = default;

StoreResult<std::unique_ptr<LocalBlobStore>> LocalBlobStore::open(const std::string& data_dir,
                                                                  bool shared) {
  std::unique_ptr<LocalBlobStore> store(new LocalBlobStore(data_dir));
  if (auto ec = make_directories(store->tmp_dir_)) {
    return store_fail(StoreErrc::kIo, "create " + store->tmp_dir_ + ": " + ec.message());
  }
  // Whatever is in tmp/ was being written when the previous process stopped;
  // shared, only what nobody has written to for a day.
  const auto stale_before = std::filesystem::file_time_type::clock::now() - std::chrono::hours(24);
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(store->tmp_dir_, ec)) {
    std::error_code time_ec;
    if (shared && entry.last_write_time(time_ec) > stale_before && !time_ec) continue;
    std::filesystem::remove_all(entry.path(), ec);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = 0; i < 256; ++i) {
    std::string dir = store->blobs_dir_ + "/" + kHex[i >> 4] + kHex[i & 15];
    if (auto err = make_directories(dir)) {
      return store_fail(StoreErrc::kIo, "create " + dir + ": " + err.message());
    }
  }
  if (auto err = fsync_directory(store->blobs_dir_)) {
    return store_fail(StoreErrc::kIo, "fsync " + store->blobs_dir_ + ": " + err.message());
  }
  return store;
}

std::string LocalBlobStore::blob_path(const std::string& sha256_hex) const {
  return blobs_dir_ + "/" + sha256_hex.substr(0, 2) + "/" + sha256_hex;
}

StoreResult<std::unique_ptr<BlobWriter>> LocalBlobStore::create(
    std::vector<DigestAlgorithm> extra_digests) {
  std::string path = tmp_dir_ + "/" + tmp_prefix_ + random_hex(16) + ".part";
  // Direct I/O where the filesystem supports it (not tmpfs, for one).
  bool direct = true;
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_DIRECT, 0640));
  if (!fd.valid() && errno == EINVAL) {
    ::unlink(path.c_str());
    direct = false;
    fd.reset(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640));
  }
  if (!fd.valid()) return io_fail("create " + path);
  return std::unique_ptr<BlobWriter>(std::make_unique<LocalBlobWriter>(
      std::move(path), std::move(fd), direct, std::move(extra_digests)));
}

StoreResult<void> LocalBlobStore::link(SealedBlob& blob) {
  auto& sealed = static_cast<LocalSealedBlob&>(blob);
  const std::string target = blob_path(sealed.sha256_hex());
  struct stat st {};
  if (::stat(target.c_str(), &st) == 0) {
    // Identical content is already stored; the new copy is not needed. The
    // file's time says it was linked now, so garbage collection on shared
    // storage spares it until the reference this link is for is committed.
    (void)::utimensat(AT_FDCWD, target.c_str(), nullptr, 0);
    if (sealed.size() >= kDiscardInBackgroundFrom) {
      discards_->remove(sealed.tmp_path());
    } else {
      ::unlink(sealed.tmp_path().c_str());
    }
    sealed.mark_linked();
    return {};
  }
  if (::rename(sealed.tmp_path().c_str(), target.c_str()) != 0) return io_fail("rename " + target);
  sealed.mark_linked();
  if (auto ec = fsync_directory(blobs_dir_ + "/" + sealed.sha256_hex().substr(0, 2))) {
    return store_fail(StoreErrc::kIo, "fsync blob directory: " + ec.message());
  }
  return {};
}

void LocalBlobStore::wait_for_discards() { discards_->wait_idle(); }

std::optional<uint64_t> LocalBlobStore::available_bytes() const {
  // f_bavail, not f_bfree: a server run as root would otherwise count the
  // filesystem's reserve for root, which is there to keep the system going.
  struct statvfs fs {};
  if (::statvfs(tmp_dir_.c_str(), &fs) != 0) return std::nullopt;
  return static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize;
}

StoreResult<SharedFd> LocalBlobStore::open_blob(const std::string& sha256_hex) const {
  if (!is_sha256_hex(sha256_hex)) return store_fail(StoreErrc::kIo, "bad blob name");
  SharedFd fd = fd_cache_->get(sha256_hex, [&] {
    return UniqueFd(::open(blob_path(sha256_hex).c_str(), O_RDONLY | O_CLOEXEC));
  });
  if (!fd.valid()) {
    if (errno == ENOENT) return store_fail(StoreErrc::kNoSuchKey, "blob " + sha256_hex);
    return io_fail("open blob " + sha256_hex);
  }
  return fd;
}

StoreResult<void> LocalBlobStore::remove(const std::string& sha256_hex) {
  if (!is_sha256_hex(sha256_hex)) return store_fail(StoreErrc::kIo, "bad blob name");
  fd_cache_->forget(sha256_hex);
  if (::unlink(blob_path(sha256_hex).c_str()) != 0 && errno != ENOENT) {
    return io_fail("unlink blob " + sha256_hex);
  }
  return {};
}

StoreResult<int64_t> LocalBlobStore::linked_at_ns(const std::string& sha256_hex) const {
  if (!is_sha256_hex(sha256_hex)) return store_fail(StoreErrc::kIo, "bad blob name");
  struct stat st {};
  if (::stat(blob_path(sha256_hex).c_str(), &st) != 0) {
    if (errno == ENOENT) return store_fail(StoreErrc::kNoSuchKey, "blob " + sha256_hex);
    return io_fail("stat blob " + sha256_hex);
  }
  return int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec;
}

StoreResult<std::vector<std::string>> LocalBlobStore::list_all() const {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& dir : std::filesystem::directory_iterator(blobs_dir_, ec)) {
    for (const auto& f : std::filesystem::directory_iterator(dir.path(), ec)) {
      auto name = f.path().filename().string();
      if (is_sha256_hex(name)) out.push_back(std::move(name));
    }
  }
  if (ec) return store_fail(StoreErrc::kIo, "list blobs: " + ec.message());
  return out;
}

}  // namespace moss::store
