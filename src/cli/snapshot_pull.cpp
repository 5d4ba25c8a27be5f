#include "snapshot_pull.h"

#include <filesystem>
#include <fstream>

#include "moss/cli/byte_units.h"
#include "moss/cli/progress_bar.h"
#include "moss/client/file_download.h"
#include "moss/client/s3_client.h"
#include "moss/models/snapshot.h"
#include "moss/util/mutex.h"
#include "parallel_transfers.h"

namespace moss::cli {
namespace {

namespace fs = std::filesystem;

// Left in DEST while a pull is under way: the identity of the snapshot it is
// pulling, so that a pull resumed after the tag moved can say so.
constexpr const char* kPullMarker = ".moss-pull-snapshot";

std::string read_marker(const fs::path& path) {
  std::ifstream in(path);
  std::string id;
  std::getline(in, id);
  return id;
}

struct WantedFile {
  std::string path;
  std::string sha256;
  uint64_t size = 0;
};

}  // namespace

bool is_safe_relative_path(const std::string& path) {
  if (path.empty() || path.front() == '/') return false;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    const std::string_view segment(path.data() + start, slash - start);
    if (segment.empty() || segment == "." || segment == "..") return false;
    start = slash + 1;
  }
  return true;
}

void pull_snapshot(const ResolvedClient& client, const SnapshotPull& pull,
                   const nlohmann::json& tag_doc, const std::string& command) {
  const auto& snapshot = tag_doc["resolved"]["snapshot"];
  const std::string id = snapshot.value("id", "");
  std::vector<WantedFile> files;
  uint64_t total_size = 0;
  for (const auto& f : snapshot.value("files", nlohmann::json::array())) {
    WantedFile w{f.value("path", ""), f.value("sha256", ""), f.value("size", uint64_t{0})};
    if (!is_safe_relative_path(w.path)) {
      fail_command(command, "the snapshot holds a path that cannot be written safely: '" +
                                w.path + "'");
    }
    total_size += w.size;
    files.push_back(std::move(w));
  }
  if (files.empty()) fail_command(command, "snapshot " + id + " lists no files");

  std::error_code ec;
  fs::create_directories(pull.dest, ec);
  if (ec || !fs::is_directory(pull.dest)) {
    fail_command(command, "DEST " + pull.dest + " is not a directory we can create");
  }
  // The tag was resolved once, above: every file is read by the snapshot's
  // identity, so a tag moved during the pull cannot mix two snapshots.
  if (!models::is_snapshot_id(id)) fail_command(command, "the tag names no snapshot identity");
  const std::string folder = models::snapshot_folder(pull.model, id);
  // A pull resumed after the tag moved pulls the new snapshot: its files
  // already there are kept, .part files of changed ones start over (their
  // ETag no longer matches), files only the old snapshot had are left.
  const fs::path marker = fs::path(pull.dest) / kPullMarker;
  if (const std::string before = read_marker(marker); !before.empty() && before != id) {
    std::fprintf(stderr,
                 "moss %s: %s:%s moved since the interrupted pull (snapshot %s then, %s now); "
                 "pulling %s\n",
                 command.c_str(), pull.model.c_str(), pull.tag.c_str(), before.c_str(), id.c_str(),
                 id.c_str());
  }
  {
    std::ofstream out(marker, std::ios::trunc);
    out << id << '\n';
    if (!out) fail_command(command, "cannot write " + marker.string());
  }
  client::TransferProgress total;
  total.total = total_size;
  Mutex error_mutex;
  std::string first_error;
  auto note_error = [&](const std::string& message) {
    MutexLock lock(error_mutex);
    if (first_error.empty()) first_error = message;
  };
  size_t skipped = 0;
  std::atomic<size_t> up_to_date{0};
  bool ok = false;
  {
    ProgressBar bar(pull.model + ":" + pull.tag + " (" + std::to_string(files.size()) + " files)",
                    total, pull.progress);
    ok = run_parallel_transfers(
        files.size(), pull.files_at_once, total, [&](size_t i, client::TransferProgress& mine) {
          const WantedFile& want = files[i];
          const fs::path dest = fs::path(pull.dest) / want.path;
          std::error_code mkdir_error;
          fs::create_directories(dest.parent_path(), mkdir_error);
          if (mkdir_error) {
            note_error(dest.parent_path().string() + ": " + mkdir_error.message());
            return false;
          }
          // One connection per file: the clients are not shared between threads.
          client::S3Client s3(client.config);
          client::DownloadRequest request{client.bucket, folder + want.path, dest.string()};
          request.tuning = pull.tuning;
          auto result = client::download_file(s3, request, &mine, [&](const std::string& note) {
            bar.print_above("moss " + command + ": " + want.path + ": " + note);
          });
          if (!result) {
            note_error(want.path + ": " + failure_message(result.error(), client));
            return false;
          }
          if (result->sha256_hex != want.sha256) {
            note_error(want.path + ": got sha256 " + result->sha256_hex + " but snapshot " + id +
                       " lists " + want.sha256 +
                       "; the server served other bytes for this snapshot");
            return false;
          }
          if (result->up_to_date) up_to_date.fetch_add(1);
          return true;
        });
  }
  skipped = up_to_date.load();
  if (!ok) fail_command(command, first_error.empty() ? "download failed" : first_error);
  fs::remove(marker, ec);
  std::printf("pulled %s:%s (snapshot %s, %zu files, %s) to %s%s\n", pull.model.c_str(),
              pull.tag.c_str(), id.c_str(), files.size(), format_bytes(total_size).c_str(),
              pull.dest.c_str(),
              skipped ? (", " + std::to_string(skipped) + " already there").c_str() : "");
}

}  // namespace moss::cli
