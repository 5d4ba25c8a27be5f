#include "moss/client/file_upload.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#include "moss/client/file_body.h"
#include "moss/client/s3_client.h"
#include "moss/util/base64.h"
#include "moss/util/digest.h"
#include "moss/util/hex.h"
#include "moss/util/unique_fd.h"

namespace moss::client {
namespace {

constexpr uint64_t kMinPartSize = 5ull << 20;
constexpr uint64_t kMaxParts = 10000;

bool retryable(const ClientError& e) {
  return e.kind == ClientError::Kind::kTransport ||
         (e.kind == ClientError::Kind::kHttp && e.status >= 500);
}

void pause_before_attempt(int attempt) {
  std::this_thread::sleep_for(std::chrono::milliseconds(500) * (1 << attempt));
}

// Runs `send` (which reports sent bytes through the callback it gets) up to
// `attempts` times, taking back from `progress` what a failed attempt sent.
template <class Send>
auto with_retries(int attempts, TransferProgress* progress, Send send) {
  for (int attempt = 0;; ++attempt) {
    uint64_t sent = 0;
    auto on_sent = [&](uint64_t n) {
      sent += n;
      if (progress) progress->add(n);
    };
    auto result = send(on_sent);
    if (result) return result;
    if (progress) progress->subtract(sent);
    if (attempt + 1 >= attempts || !retryable(result.error())) return result;
    pause_before_attempt(attempt);
  }
}

Result<std::string, ClientError> sha256_of(int fd, uint64_t offset, uint64_t length) {
  auto hasher = make_hasher(DigestAlgorithm::kSha256);
  if (auto r = hash_range(fd, offset, length, *hasher); !r) {
    return fail(ClientError::local(r.error()));
  }
  return hasher->final();
}

Result<UploadResult, ClientError> put_whole(const ClientConfig& config, const std::string& bucket,
                                            const std::string& key, int fd, uint64_t size,
                                            const UploadOptions& options,
                                            TransferProgress* progress) {
  if (progress) progress->phase = "hashing";
  auto sha = sha256_of(fd, 0, size);
  if (!sha) return fail(sha.error());
  if (progress) progress->phase = "";
  S3Client s3(config);
  const std::string checksum = base64_encode(*sha);
  auto etag = with_retries(options.attempts, progress, [&](const auto& on_sent) {
    FileRangeSource body(fd, 0, size);
    return s3.put_object(bucket, key, body, checksum, on_sent);
  });
  if (!etag) return fail(etag.error());
  return UploadResult{size, to_hex(*sha), *etag, 0};
}

Result<UploadResult, ClientError> put_multipart(const ClientConfig& config,
                                                const std::string& bucket, const std::string& key,
                                                int fd, uint64_t size, const UploadOptions& options,
                                                TransferProgress* progress) {
  const uint64_t part_size = effective_part_size(size, options.part_size);
  const int part_count = static_cast<int>((size + part_size - 1) / part_size);
  S3Client s3(config);
  auto upload_id = s3.create_multipart_upload(bucket, key);
  if (!upload_id) return fail(upload_id.error());

  // The whole file's SHA-256, read sequentially beside the part uploads.
  std::string whole_sha;
  std::string hash_error;
  std::thread whole_hasher([&] {
    auto sha = sha256_of(fd, 0, size);
    if (sha) {
      whole_sha = to_hex(*sha);
    } else {
      hash_error = sha.error().message;
    }
  });

  std::vector<CompletedPart> parts(static_cast<size_t>(part_count));
  std::atomic<int> next{0};
  std::atomic<bool> failed{false};
  std::mutex error_mutex;
  std::optional<ClientError> first_error;
  auto worker = [&] {
    S3Client part_client(config);
    while (!failed) {
      const int index = next++;
      if (index >= part_count) return;
      const uint64_t offset = static_cast<uint64_t>(index) * part_size;
      const uint64_t length = std::min(part_size, size - offset);
      auto sha = sha256_of(fd, offset, length);
      Result<CompletedPart, ClientError> part =
          sha ? with_retries(options.attempts, progress,
                             [&](const auto& on_sent) {
                               FileRangeSource body(fd, offset, length);
                               return part_client.upload_part(bucket, key, *upload_id, index + 1,
                                                              body, base64_encode(*sha), on_sent);
                             })
              : Result<CompletedPart, ClientError>(fail(sha.error()));
      if (!part) {
        std::lock_guard lock(error_mutex);
        if (!first_error) first_error = part.error();
        failed = true;
        return;
      }
      parts[static_cast<size_t>(index)] = std::move(*part);
    }
  };
  std::vector<std::thread> workers;
  const int threads = std::max(1, std::min(options.parallel, part_count));
  for (int i = 0; i < threads; ++i) workers.emplace_back(worker);
  for (auto& t : workers) t.join();
  whole_hasher.join();

  if (!first_error && !hash_error.empty()) first_error = ClientError::local(hash_error);
  if (first_error) {
    (void)s3.abort_multipart_upload(bucket, key, *upload_id);
    return fail(*first_error);
  }
  if (progress) progress->phase = "completing";
  auto etag = s3.complete_multipart_upload(bucket, key, *upload_id, parts);
  if (!etag) {
    (void)s3.abort_multipart_upload(bucket, key, *upload_id);
    return fail(etag.error());
  }
  return UploadResult{size, whole_sha, *etag, part_count};
}

}  // namespace

uint64_t effective_part_size(uint64_t size, uint64_t requested) {
  uint64_t part = std::max(requested, kMinPartSize);
  const uint64_t needed = (size + kMaxParts - 1) / kMaxParts;
  if (part < needed) {
    const uint64_t mib = 1ull << 20;
    part = (needed + mib - 1) / mib * mib;
  }
  return part;
}

Result<UploadResult, ClientError> upload_file(const ClientConfig& config, const std::string& bucket,
                                              const std::string& key, const std::string& path,
                                              const UploadOptions& options,
                                              TransferProgress* progress) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return fail(ClientError::local(path + ": " + std::strerror(errno)));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    return fail(ClientError::local(path + ": " + std::strerror(errno)));
  }
  if (!S_ISREG(st.st_mode)) return fail(ClientError::local(path + ": not a regular file"));
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  if (progress) progress->total = size;
  if (size <= options.multipart_threshold) {
    return put_whole(config, bucket, key, fd.get(), size, options, progress);
  }
  return put_multipart(config, bucket, key, fd.get(), size, options, progress);
}

}  // namespace moss::client
