// ModelRegistry, the reads: resolving and opening tags, tag views, models.
// (Writes: tag_writes.cpp.)
#include "moss/models/model_registry.h"

#include <map>

#include "model_tag_set.h"
#include "moss/models/tag_key.h"

namespace moss::models {
namespace {

// A model listing describes at most this many files, and scans at most this
// many tags of a bucket.
constexpr int kMaxModelFiles = 1000;
constexpr int kMaxBucketTags = 100000;
// A tag moved between resolving it and opening its blobs is resolved again.
constexpr int kOpenAttempts = 4;

}  // namespace

ModelRegistry::ModelRegistry(store::ObjectStore& store) : store_(store) {}

ModelResult<ResolvedTag> ModelRegistry::resolve(std::string_view bucket, std::string_view model,
                                                std::string_view tag, std::string_view client_id) {
  ModelTagSet tags(store_, std::string(bucket), std::string(model));
  return tags.resolve(std::string(tag), client_id);
}

ModelResult<OpenedTag> ModelRegistry::open(std::string_view bucket, std::string_view model,
                                           std::string_view tag, std::string_view client_id) {
  for (int attempt = 1;; ++attempt) {
    ModelTagSet tags(store_, std::string(bucket), std::string(model));
    auto resolved = tags.resolve(std::string(tag), client_id);
    if (!resolved) return fail(resolved.error());
    if (resolved->snapshot) {
      return model_fail(ModelErrc::kNoSuchKey,
                        "tag " + std::string(tag) + " names a directory (snapshot " +
                            resolved->snapshot->id + "); read its files under " +
                            tag_folder(model, tag));
    }
    auto opened = store_.open_pinned(resolved->file);
    if (opened) {
      auto record = tags.find(std::string(tag));
      std::string etag = record && *record ? (*record)->etag : std::string();
      return OpenedTag{std::move(*resolved), std::move(*opened), std::move(etag)};
    }
    if (opened.error().code != store::StoreErrc::kNoSuchKey || attempt == kOpenAttempts) {
      return fail(ModelError{ModelErrc::kIo, opened.error().message});
    }
  }
}

ModelResult<TagView> ModelRegistry::get_tag(std::string_view bucket, std::string_view model,
                                            std::string_view tag, std::string_view client_id) {
  auto record = store_.get_tag(bucket, tag_object_key(model, tag));
  if (!record) {
    if (record.error().code == store::StoreErrc::kNoSuchKey) {
      return model_fail(ModelErrc::kNoSuchTag, tag_object_key(model, tag));
    }
    return fail(from_store_error(record.error()));
  }
  return make_view(bucket, *record, client_id);
}

ModelResult<TagView> ModelRegistry::make_view(std::string_view bucket,
                                              const store::TagRecord& record,
                                              std::string_view client_id) {
  TagView view;
  view.bucket = std::string(bucket);
  view.record = record;
  auto targets = targets_from_json(record.targets);
  if (!targets) return fail(targets.error());
  view.targets = std::move(*targets);

  ModelTagSet tags(store_, view.bucket, record.model);
  tags.put(record.tag, record);
  auto resolved = tags.resolve(record.tag, client_id);
  if (resolved) {
    view.resolved = std::move(*resolved);
    if (view.resolved->snapshot) {
      auto files = snapshot_files(bucket, *view.resolved->snapshot);
      if (!files) return fail(files.error());
      view.snapshot_files = std::move(*files);
    }
  } else if (resolved.error().code == ModelErrc::kIo ||
             resolved.error().code == ModelErrc::kUnavailable ||
             resolved.error().code == ModelErrc::kNoSuchBucket) {
    return fail(resolved.error());
  } else {
    view.unresolved_reason = resolved.error().message;
  }

  for (const auto& target : view.targets) {
    std::optional<ResolvedTag> each;
    if (target.kind == TargetKind::kFile) {
      const std::string key = record.model + "/" + target.target;
      for (const auto& pin : record.pins) {
        if (pin.key == key && pin.version_id == target.version_id) {
          each = ResolvedTag{{record.tag, target.target}, "", pin};
        }
      }
    } else if (target.kind == TargetKind::kSnapshot) {
      auto snapshot = store_.get_snapshot(bucket, record.model, target.snapshot);
      if (snapshot) each = ResolvedTag{{record.tag, target.target}, "", {}, std::move(*snapshot)};
    } else if (auto below = tags.resolve(target.target, client_id)) {
      below->chain.insert(below->chain.begin(), record.tag);
      each = std::move(*below);
    }
    view.target_resolutions.push_back(std::move(each));
  }
  return view;
}

ModelResult<std::vector<store::TagHistoryEntry>> ModelRegistry::history(std::string_view bucket,
                                                                        std::string_view model,
                                                                        std::string_view tag,
                                                                        int limit) {
  if (auto r = check_tag_names(model, tag); !r) return fail(r.error());
  auto entries = store_.tag_history(bucket, tag_object_key(model, tag), 0, limit);
  if (!entries) return fail(from_store_error(entries.error()));
  if (entries->empty()) {
    // No history at all: the tag never existed (an existing tag has one).
    return model_fail(ModelErrc::kNoSuchTag, tag_object_key(model, tag));
  }
  return std::move(*entries);
}

ModelResult<ModelView> ModelRegistry::make_model_view(std::string_view bucket,
                                                      std::string_view name,
                                                      const std::vector<store::TagRecord>& tags,
                                                      std::string_view client_id) {
  ModelView view;
  view.bucket = std::string(bucket);
  view.name = std::string(name);
  for (const auto& record : tags) {
    auto tag = make_view(bucket, record, client_id);
    if (!tag) return fail(tag.error());
    view.tags.push_back(std::move(*tag));
  }

  store::ListQuery q;
  q.prefix = view.name + "/";
  q.max_keys = kMaxModelFiles;
  while (true) {
    auto page = store_.list_objects(bucket, q);
    if (!page) return fail(from_store_error(page.error()));
    for (const auto& entry : page->objects) {
      if (entry.is_tag) continue;
      if (static_cast<int>(view.files.size()) == kMaxModelFiles) {
        view.files_truncated = true;
        return view;
      }
      // The listing carries no metadata or SHA-256; the version does.
      auto version = store_.get_version(bucket, entry.key);
      if (!version) {
        if (version.error().code == store::StoreErrc::kNoSuchKey) continue;  // deleted meanwhile
        return fail(from_store_error(version.error()));
      }
      if (version->is_delete_marker) continue;
      version->segments.clear();
      view.files.push_back(std::move(*version));
    }
    if (!page->truncated) break;
    q.marker = page->next_marker;
  }
  return view;
}

ModelResult<std::vector<ModelView>> ModelRegistry::list_models(std::string_view bucket,
                                                               std::string_view client_id) {
  store::TagListQuery q;
  q.lower = "";
  q.upper = "\xff";
  q.limit = kMaxBucketTags;
  auto all = store_.list_tags(bucket, q);
  if (!all) return fail(from_store_error(all.error()));
  std::map<std::string, std::vector<store::TagRecord>> by_model;
  for (auto& t : *all) {
    std::string model = t.model;
    by_model[std::move(model)].push_back(std::move(t));
  }
  std::vector<ModelView> out;
  for (const auto& [name, tags] : by_model) {
    auto view = make_model_view(bucket, name, tags, client_id);
    if (!view) return fail(view.error());
    out.push_back(std::move(*view));
  }
  return out;
}

ModelResult<ModelView> ModelRegistry::get_model(std::string_view bucket, std::string_view name,
                                                std::string_view client_id) {
  if (auto why = target_syntax_error(name); !why.empty() || name.ends_with('/')) {
    return model_fail(ModelErrc::kInvalidArgument, "model name: " + (why.empty() ? "ends in '/'" : why));
  }
  store::TagListQuery q;
  q.model = std::string(name);
  q.limit = kMaxBucketTags;
  auto tags = store_.list_tags(bucket, q);
  if (!tags) return fail(from_store_error(tags.error()));
  auto view = make_model_view(bucket, name, *tags, client_id);
  if (!view) return fail(view.error());
  if (view->tags.empty() && view->files.empty()) {
    return model_fail(ModelErrc::kNoSuchKey, "no model " + std::string(name));
  }
  return view;
}

}  // namespace moss::models
