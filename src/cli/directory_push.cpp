#include "directory_push.h"

#include <algorithm>
#include <filesystem>
#include <map>

#include "moss/cli/byte_units.h"
#include "moss/cli/progress_bar.h"
#include "moss/cli/registry_output.h"
#include "moss/client/registry_client.h"
#include "moss/client/s3_client.h"
#include "moss/models/snapshot.h"
#include "moss/util/mutex.h"
#include "parallel_transfers.h"

namespace moss::cli {
namespace {

namespace fs = std::filesystem;

struct PushedFile {
  std::string path;  // relative to the directory
  uint64_t size = 0;
  std::string sha256_hex;
};

// Whether the tag's document shows a snapshot holding every pushed file with
// its SHA-256; else why not.
std::string snapshot_mismatch(const nlohmann::json& doc, const std::vector<PushedFile>& pushed) {
  const auto& resolved = doc.value("resolved", nlohmann::json());
  if (!resolved.is_object() || !resolved.contains("snapshot")) {
    return "the tag does not resolve to a snapshot";
  }
  std::map<std::string, std::string> served;
  for (const auto& f : resolved["snapshot"].value("files", nlohmann::json::array())) {
    served[f.value("path", "")] = f.value("sha256", "");
  }
  for (const auto& p : pushed) {
    auto it = served.find(p.path);
    if (it == served.end()) return p.path + " is not in the snapshot";
    if (it->second != p.sha256_hex) {
      return p.path + " is served with sha256 " + it->second + " but the file has " + p.sha256_hex;
    }
  }
  return {};
}

}  // namespace

std::vector<std::string> files_under(const std::string& directory) {
  std::vector<std::string> out;
  const fs::path root(directory);
  for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::follow_directory_symlink);
       it != fs::recursive_directory_iterator(); ++it) {
    if (!it->is_regular_file()) continue;  // follows a link to a file
    out.push_back(fs::relative(it->path(), root).generic_string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

void push_directory(const ResolvedClient& client, const DirectoryPush& push,
                    const std::string& command) {
  std::vector<std::string> paths;
  try {
    paths = files_under(push.directory);
  } catch (const fs::filesystem_error& e) {
    fail_command(command, std::string("reading ") + push.directory + ": " + e.what());
  }
  if (paths.empty()) fail_command(command, push.directory + " holds no files; nothing to push");

  const std::string folder = push.date + "/";
  std::vector<PushedFile> pushed(paths.size());
  client::TransferProgress total;
  for (const auto& p : paths) {
    std::error_code ec;
    total.total += fs::file_size(fs::path(push.directory) / p, ec);
  }
  Mutex error_mutex;
  std::string first_error;
  auto upload_all = [&] {
    ProgressBar bar(push.model + " (" + std::to_string(paths.size()) + " files)", total,
                    push.progress);
    return run_parallel_transfers(
        paths.size(), push.files_at_once, total, [&](size_t i, client::TransferProgress& mine) {
          const std::string key = push.model + "/" + folder + paths[i];
          auto uploaded = client::upload_file(client.config, client.bucket, key,
                                              (fs::path(push.directory) / paths[i]).string(),
                                              push.upload, &mine);
          if (!uploaded) {
            MutexLock lock(error_mutex);
            if (first_error.empty()) {
              first_error = uploaded.error().code == "NoSuchBucket"
                                ? "NoSuchBucket"
                                : paths[i] + ": " + failure_message(uploaded.error(), client);
            }
            return false;
          }
          pushed[i] = {paths[i], uploaded->size, uploaded->sha256_hex};
          return true;
        });
  };
  bool ok = upload_all();
  if (!ok && first_error == "NoSuchBucket") {
    client::S3Client s3(client.config);
    if (auto created = s3.create_bucket(client.bucket); !created) {
      fail_command(command, failure_message(created.error(), client));
    }
    std::fprintf(stderr, "moss %s: created bucket %s\n", command.c_str(), client.bucket.c_str());
    first_error.clear();
    total.done = 0;
    ok = upload_all();
  }
  if (!ok) fail_command(command, first_error.empty() ? "upload failed" : first_error);

  uint64_t bytes = 0;
  std::vector<models::SnapshotEntry> entries;
  for (const auto& p : pushed) {
    bytes += p.size;
    entries.push_back({p.path, p.sha256_hex});
  }
  const std::string identity = models::snapshot_identity(entries);
  std::printf("pushed %zu files (%s) to %s/%s/%s\n", pushed.size(), format_bytes(bytes).c_str(),
              client.bucket.c_str(), push.model.c_str(), folder.c_str());
  std::fflush(stdout);

  client::RegistryClient registry(client.config, client.bucket);
  for (const auto& tag : push.tags) {
    auto doc = registry.set_tag(push.model, tag, {{folder, 1}});
    if (!doc) fail_command(command, "tag " + tag + ": " + failure_message(doc.error(), client));
    if (auto why = snapshot_mismatch(*doc, pushed); !why.empty()) {
      fail_command(command, "tag " + tag + ": " + why);
    }
    const std::string served = (*doc)["resolved"]["snapshot"].value("id", "");
    std::printf("tagged %s:%s -> %s (snapshot %s%s)\n", push.model.c_str(), tag.c_str(),
                folder.c_str(), served.c_str(),
                served == identity ? "" : ", which also holds files pushed earlier");
    std::fflush(stdout);
  }
}

}  // namespace moss::cli
