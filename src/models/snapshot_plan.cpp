#include "snapshot_plan.h"

#include "moss/models/snapshot.h"

namespace moss::models {
namespace {

constexpr int kListPage = 1000;

}  // namespace

ModelResult<store::ObjectVersion> version_pinned_again(store::ObjectStore& store,
                                                       std::string_view bucket,
                                                       const std::string& key,
                                                       const std::string& version_id,
                                                       const std::string& sha256) {
  auto same_bytes = [&](const store::ObjectVersion& v) {
    return !v.is_delete_marker && !sha256.empty() && v.content_sha256 == sha256;
  };
  for (const std::string& id : {version_id, std::string()}) {
    auto v = store.get_version(bucket, key, id);
    if (v && same_bytes(*v)) return std::move(*v);
    if (!v && v.error().code != store::StoreErrc::kNoSuchKey &&
        v.error().code != store::StoreErrc::kNoSuchVersion) {
      return fail(from_store_error(v.error()));
    }
  }
  return model_fail(ModelErrc::kInvalidTagTarget, "the version of " + key +
                                                      " the tag pinned then (SHA-256 " + sha256 +
                                                      ") is no longer stored");
}

ModelResult<PlannedSnapshot> plan_directory_snapshot(store::ObjectStore& store,
                                                     std::string_view bucket,
                                                     const std::string& model,
                                                     const std::string& directory) {
  PlannedSnapshot plan;
  const std::string prefix = model + "/" + directory;
  std::vector<SnapshotEntry> entries;
  store::ListQuery q;
  q.prefix = prefix;
  q.max_keys = kListPage;
  while (true) {
    auto page = store.list_objects(bucket, q);
    if (!page) return fail(from_store_error(page.error()));
    for (const auto& entry : page->objects) {
      if (entry.is_tag) continue;  // a tag of a model nested in the directory
      // The listing carries no version id or SHA-256; the version does.
      auto version = store.get_version(bucket, entry.key);
      if (!version) {
        if (version.error().code == store::StoreErrc::kNoSuchKey) continue;  // deleted meanwhile
        return fail(from_store_error(version.error()));
      }
      if (version->is_delete_marker) continue;
      if (entries.size() == kMaxSnapshotFiles) {
        return model_fail(ModelErrc::kInvalidTagTarget,
                          "target " + directory + " names more than " +
                              std::to_string(kMaxSnapshotFiles) + " files");
      }
      const std::string path = entry.key.substr(prefix.size());
      if (version->content_sha256.empty()) plan.unhashed.push_back(*version);
      entries.push_back({path, version->content_sha256});
      plan.record.total_size += version->size;
      plan.write.files.push_back({path, version->key, version->version_id});
    }
    if (!page->truncated) break;
    q.marker = page->next_marker;
  }
  if (entries.empty()) {
    return model_fail(ModelErrc::kInvalidTagTarget,
                      "target " + directory + " names a directory with no files: nothing is "
                                              "stored under " + prefix);
  }
  plan.write.id = snapshot_identity(std::move(entries));
  plan.record.model = model;
  plan.record.id = plan.write.id;
  plan.record.file_count = plan.write.files.size();
  return plan;
}

ModelResult<PlannedSnapshot> plan_recorded_snapshot(store::ObjectStore& store,
                                                    std::string_view bucket,
                                                    const std::string& model,
                                                    const std::string& id) {
  PlannedSnapshot plan;
  auto snapshot = store.get_snapshot(bucket, model, id);
  if (!snapshot) {
    if (snapshot.error().code == store::StoreErrc::kNoSuchKey) {
      return model_fail(ModelErrc::kInvalidTagTarget, "snapshot " + id + " is no longer stored");
    }
    return fail(from_store_error(snapshot.error()));
  }
  plan.write.id = snapshot->id;
  plan.record = *snapshot;
  if (snapshot->tag_refs > 0) return plan;  // held: the store takes one more hold
  store::SnapshotFileQuery q;
  q.limit = kListPage;
  while (true) {
    auto files = store.list_snapshot_files(bucket, model, snapshot->id, q);
    if (!files) return fail(from_store_error(files.error()));
    for (const auto& f : *files) {
      auto version = version_pinned_again(store, bucket, f.version.key, f.version.version_id,
                                          f.version.content_sha256);
      if (!version) return fail(version.error());
      plan.write.files.push_back({f.path, version->key, version->version_id});
    }
    if (static_cast<int>(files->size()) < q.limit) break;
    q.lower = files->back().path + std::string(1, '\0');
  }
  return plan;
}

}  // namespace moss::models
