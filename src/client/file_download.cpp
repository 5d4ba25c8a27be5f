#include "moss/client/file_download.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <optional>

#include "moss/client/file_body.h"
#include "moss/util/base64.h"
#include "moss/util/digest.h"
#include "moss/util/fs.h"
#include "moss/util/hex.h"
#include "moss/util/unique_fd.h"
#include "prefix_hasher.h"
#include "ranged_fetch.h"

namespace moss::client {
namespace {

// Where the ETag of the bytes in a .part file is kept, for If-Range.
constexpr const char* kEtagAttribute = "user.moss.etag";

// How many times the whole procedure may start over (the tag moved between
// the HEAD and the GET; a resumed file failed verification).
constexpr int kRounds = 3;

// What the server says it serves, from a HEAD or GET answer.
struct Served {
  std::string etag;
  uint64_t size = 0;
  std::string key;
  std::string chain;
  std::string sha256_hex;  // empty when the server does not know it
};

std::optional<uint64_t> parse_u64(std::string_view text) {
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// The SHA-256 the answer vouches for: x-moss-content-sha256 (tags), else a
// full-object x-amz-checksum-sha256 (a plain key uploaded with one).
std::string served_sha256(const HttpResponse& r) {
  std::string_view moss = r.header("x-moss-content-sha256");
  if (moss.size() == 64) return std::string(moss);
  std::string_view checksum = r.header("x-amz-checksum-sha256");
  std::string_view type = r.header("x-amz-checksum-type");
  if (!checksum.empty() && (type.empty() || type == "FULL_OBJECT")) {
    if (auto raw = base64_decode(checksum); raw && raw->size() == 32) return to_hex(*raw);
  }
  return "";
}

Served served_from(const HttpResponse& r, const std::string& key) {
  Served s;
  s.etag = std::string(r.header("etag"));
  std::string_view range = r.header("content-range");  // "bytes 10-99/100"
  if (auto slash = range.rfind('/'); slash != std::string_view::npos) {
    s.size = parse_u64(range.substr(slash + 1)).value_or(0);
  } else {
    s.size = parse_u64(r.header("content-length")).value_or(0);
  }
  s.key = r.has_header("x-moss-resolved-key") ? std::string(r.header("x-moss-resolved-key")) : key;
  s.chain = std::string(r.header("x-moss-tag-chain"));
  s.sha256_hex = served_sha256(r);
  return s;
}

std::string last_segment(const std::string& key) {
  auto slash = key.rfind('/');
  return slash == std::string::npos ? key : key.substr(slash + 1);
}

std::string parent_directory(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string errno_text(const std::string& what) { return what + ": " + std::strerror(errno); }

std::string read_etag_attribute(int fd) {
  char value[512];
  ssize_t n = ::fgetxattr(fd, kEtagAttribute, value, sizeof value);
  return n > 0 ? std::string(value, static_cast<size_t>(n)) : std::string();
}

// Best effort: a filesystem without user xattrs resumes without If-Range on
// the recorded ETag, and relies on the SHA-256 check.
void write_etag_attribute(int fd, const std::string& etag) {
  if (etag.empty()) {
    (void)::fremovexattr(fd, kEtagAttribute);
  } else {
    (void)::fsetxattr(fd, kEtagAttribute, etag.data(), etag.size(), 0);
  }
}

// How far a .part written by parallel ranged GETs is valid (its bytes beyond
// that may have holes), as decimal text.
constexpr const char* kDoneAttribute = "user.moss.done";

std::optional<uint64_t> read_done_attribute(int fd) {
  char value[32];
  ssize_t n = ::fgetxattr(fd, kDoneAttribute, value, sizeof value);
  if (n <= 0) return std::nullopt;
  return parse_u64(std::string_view(value, static_cast<size_t>(n)));
}

bool write_done_attribute(int fd, uint64_t prefix) {
  const std::string text = std::to_string(prefix);
  return ::fsetxattr(fd, kDoneAttribute, text.data(), text.size(), 0) == 0;
}

void remove_done_attribute(int fd) { (void)::fremovexattr(fd, kDoneAttribute); }

Result<void, ClientError> truncate_to_start(int fd, const std::string& path) {
  if (::ftruncate(fd, 0) != 0 || ::lseek(fd, 0, SEEK_SET) != 0) {
    return fail(ClientError::local(errno_text(path)));
  }
  return {};
}

// The error a failed HEAD stands for. HEAD answers carry no body, so the
// error document is asked for with a one-byte GET.
ClientError head_error(S3Client& s3, const DownloadRequest& request, const HttpResponse& head) {
  auto get = s3.get_object(request.bucket, request.key, {{"Range", "bytes=0-0"}}, {});
  if (get && get->status >= 300) {
    return error_from_response(get->status, get->body, get->header("x-amz-request-id"));
  }
  return error_from_response(head.status, "", head.header("x-amz-request-id"));
}

bool file_exists(const std::string& path, uint64_t* size = nullptr) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  if (size) *size = static_cast<uint64_t>(st.st_size);
  return true;
}

// Whether `path` holds exactly `size` bytes hashing to `sha256_hex`.
bool holds(const std::string& path, uint64_t size, const std::string& sha256_hex) {
  uint64_t existing = 0;
  if (sha256_hex.empty() || !file_exists(path, &existing) || existing != size) return false;
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return false;
  auto hasher = make_hasher(DigestAlgorithm::kSha256);
  if (!hash_range(fd.get(), 0, size, *hasher)) return false;
  return to_hex(hasher->final()) == sha256_hex;
}

}  // namespace

std::string download_path(const std::string& dest, const std::string& resolved_key) {
  struct stat st {};
  const bool directory =
      dest.ends_with("/") || (::stat(dest.c_str(), &st) == 0 && S_ISDIR(st.st_mode));
  if (!directory) return dest;
  std::string dir = dest;
  while (dir.size() > 1 && dir.ends_with("/")) dir.pop_back();
  return (dir == "/" ? "" : dir) + "/" + last_segment(resolved_key);
}

Result<DownloadResult, ClientError> download_file(S3Client& s3, const DownloadRequest& request,
                                                  TransferProgress* progress, const NoteFn& note) {
  auto say = [&](const std::string& text) {
    if (note) note(text);
  };
  const Headers checksum_mode = {{"x-amz-checksum-mode", "ENABLED"}};
  bool restarted_after_mismatch = false;

  for (int round = 0; round < kRounds; ++round) {
    // 1. What will be served.
    auto head = s3.head_object(request.bucket, request.key, checksum_mode);
    if (!head) return fail(head.error());
    if (head->status >= 300) return fail(head_error(s3, request, *head));
    Served served = served_from(*head, request.key);

    DownloadResult result;
    result.path = download_path(request.dest, served.key);
    result.resolved_key = served.key;
    result.tag_chain = served.chain;
    result.size = served.size;
    const std::string part_path = result.path + ".part";
    const std::string directory = parent_directory(result.path);
    if (auto ec = make_directories(directory)) {
      return fail(ClientError::local(directory + ": " + ec.message()));
    }
    if (progress) {
      progress->total = served.size;
      progress->done = 0;
    }

    // 2. Already in place?
    if (!file_exists(part_path)) {
      if (progress) progress->phase = "checking";
      if (holds(result.path, served.size, served.sha256_hex)) {
        result.sha256_hex = served.sha256_hex;
        result.verified = true;
        result.up_to_date = true;
        return result;
      }
    }

    // 3. The .part: continue it, or start it. Its valid prefix is what
    // kDoneAttribute records (parallel fetches write beyond it), else its length.
    UniqueFd fd(::open(part_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
    if (!fd.valid()) return fail(ClientError::local(errno_text(part_path)));
    uint64_t offset = static_cast<uint64_t>(::lseek(fd.get(), 0, SEEK_END));
    if (auto done = read_done_attribute(fd.get())) offset = std::min(offset, *done);
    std::string part_etag = read_etag_attribute(fd.get());
    if (offset > 0 && !part_etag.empty() && part_etag != served.etag) {
      say("what " + request.key + " serves changed since the partial download; starting over");
      offset = 0;
    } else if (offset > served.size) {
      offset = 0;
    }
    if (::ftruncate(fd.get(), static_cast<off_t>(offset)) != 0) {
      return fail(ClientError::local(errno_text(part_path)));
    }
    if (offset == 0 || part_etag.empty()) write_etag_attribute(fd.get(), served.etag);
    auto hasher = make_hasher(DigestAlgorithm::kSha256);
    if (offset > 0) {
      say("resuming " + part_path + " at byte " + std::to_string(offset));
      if (progress) progress->phase = "checking";
      if (auto r = hash_range(fd.get(), 0, offset, *hasher); !r) {
        return fail(ClientError::local(part_path + ": " + r.error()));
      }
      result.resumed_from = offset;
      if (progress) progress->done = offset;
    }
    if (progress) progress->phase = "";

    // 4. The rest of the bytes, hashed in order on another thread as they land.
    FetchPlan plan;
    plan.bucket = request.bucket;
    plan.key = request.key;
    plan.etag = served.etag;
    plan.resolved_key = head->has_header("x-moss-resolved-key") ? served.key : "";
    plan.from = offset;
    plan.size = served.size;
    plan.connections = std::max(request.tuning.connections, 1);
    plan.chunk_size = std::max<uint64_t>(request.tuning.chunk_size, 1);
    // One connection writes in order, so the length of the .part is its valid
    // prefix. Several write ahead of it: the prefix is recorded in an xattr,
    // and where xattrs cannot be written, one connection it is.
    std::function<void(uint64_t)> record_prefix;
    if (plan.connections > 1 && chunk_count(plan) > 1) {
      if (write_done_attribute(fd.get(), offset)) {
        record_prefix = [&fd](uint64_t prefix) { (void)write_done_attribute(fd.get(), prefix); };
      } else {
        plan.connections = 1;
      }
    }
    if (!record_prefix) remove_done_attribute(fd.get());
    if (offset < served.size) {
      PrefixHasher follower(fd.get(), *hasher, offset, served.size, request.tuning.held_blocks);
      // One connection hands every block to the hasher in order, so nothing is
      // read back and its writes can skip the page cache (O_DIRECT). Several
      // write ahead of the hashed prefix and most of their blocks are read
      // back, which must come from the page cache, not the disk. Where the
      // file system has no direct I/O (tmpfs), every write is buffered.
      UniqueFd direct(
          plan.connections == 1 ? ::open(part_path.c_str(), O_WRONLY | O_DIRECT | O_CLOEXEC) : -1);
      auto fetched =
          fetch_ranges(s3, plan, fd.get(), direct.get(), follower, progress, record_prefix);
      if (!fetched) return fail(fetched.error());
      if (*fetched == FetchOutcome::kMoved) {
        say(request.key + " moved during the download; starting over");
        continue;
      }
      if (progress) progress->phase = "verifying";
      if (auto r = follower.finish(); !r) {
        return fail(ClientError::local(part_path + ": " + r.error()));
      }
    }
    std::string expected_sha = served.sha256_hex;

    // 5. Verify, then put in place.
    if (progress) progress->phase = "verifying";
    result.sha256_hex = to_hex(hasher->final());
    if (!expected_sha.empty()) {
      if (result.sha256_hex != expected_sha) {
        if (result.resumed_from > 0 && !restarted_after_mismatch) {
          say("the resumed download does not match its SHA-256; downloading it again");
          restarted_after_mismatch = true;
          (void)truncate_to_start(fd.get(), part_path);
          write_etag_attribute(fd.get(), "");
          remove_done_attribute(fd.get());
          continue;
        }
        ::unlink(part_path.c_str());
        return fail(ClientError::integrity("SHA-256 mismatch for " + served.key + ": expected " +
                                           expected_sha + ", received " + result.sha256_hex));
      }
      result.verified = true;
    }
    if (::fsync(fd.get()) != 0) return fail(ClientError::local(errno_text(part_path)));
    write_etag_attribute(fd.get(), "");
    remove_done_attribute(fd.get());
    if (::rename(part_path.c_str(), result.path.c_str()) != 0) {
      return fail(ClientError::local(errno_text("rename to " + result.path)));
    }
    (void)fsync_directory(directory);
    return result;
  }
  return fail(
      ClientError::transport(request.key + " kept changing during the download; try again"));
}

}  // namespace moss::client
