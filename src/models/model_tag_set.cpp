#include "model_tag_set.h"

#include "moss/models/tag_key.h"

namespace moss::models {
namespace {

// More tags than this in one model is not a registry moss is built for.
constexpr int kMaxTagsPerModel = 10000;

ModelError from_resolve_error(const ResolveError& e) {
  switch (e.code) {
    case ResolveErrc::kNoSuchTag:
      return {ModelErrc::kNoSuchTag, e.message};
    case ResolveErrc::kDanglingTarget:
      return {ModelErrc::kNoSuchKey, e.message};
    case ResolveErrc::kCycle:
      return {ModelErrc::kInvalidTagTarget, e.message};
    case ResolveErrc::kChainTooLong:
      return {ModelErrc::kTagChainTooLong, e.message};
    case ResolveErrc::kLookupFailed:
      break;
  }
  return {ModelErrc::kIo, e.message};
}

}  // namespace

ModelResult<void> check_tag_names(std::string_view model, std::string_view tag) {
  if (auto why = target_syntax_error(model); !why.empty()) {
    return model_fail(ModelErrc::kInvalidArgument, "model name: " + why);
  }
  if (model.ends_with('/')) return model_fail(ModelErrc::kInvalidArgument, "model name ends in '/'");
  if (tag.find('/') != std::string_view::npos) {
    return model_fail(ModelErrc::kInvalidArgument, "a tag name may not contain '/'");
  }
  if (auto why = target_syntax_error(tag); !why.empty()) {
    return model_fail(ModelErrc::kInvalidArgument, "tag name: " + why);
  }
  auto parsed = parse_tag_key(tag_object_key(model, tag));
  if (!parsed || parsed->model != model || parsed->tag != tag) {
    return model_fail(ModelErrc::kInvalidArgument, "not a tag key");
  }
  return {};
}

ModelResult<void> ModelTagSet::load_all() {
  store::TagListQuery q;
  q.model = model_;
  q.limit = kMaxTagsPerModel;
  auto all = store_.list_tags(bucket_, q);
  if (!all) return fail(from_store_error(all.error()));
  for (auto& t : *all) {
    std::string name = t.tag;
    tags_.try_emplace(std::move(name), std::move(t));  // what put() said wins
  }
  complete_ = true;
  return {};
}

void ModelTagSet::put(const std::string& tag, std::optional<store::TagRecord> record) {
  tags_.insert_or_assign(tag, std::move(record));
}

void ModelTagSet::put_snapshot(store::SnapshotRecord snapshot) {
  std::string id = snapshot.id;
  snapshots_.insert_or_assign(std::move(id), std::move(snapshot));
}

ModelResult<const store::TagRecord*> ModelTagSet::find(const std::string& tag) {
  if (auto it = tags_.find(tag); it != tags_.end()) {
    return it->second ? &*it->second : static_cast<const store::TagRecord*>(nullptr);
  }
  if (complete_) return static_cast<const store::TagRecord*>(nullptr);
  auto record = store_.get_tag(bucket_, tag_object_key(model_, tag));
  if (!record && record.error().code != store::StoreErrc::kNoSuchKey) {
    return fail(from_store_error(record.error()));
  }
  auto [it, inserted] = tags_.emplace(
      tag, record ? std::optional<store::TagRecord>(std::move(*record)) : std::nullopt);
  return it->second ? &*it->second : static_cast<const store::TagRecord*>(nullptr);
}

ModelResult<std::vector<TagTarget>> ModelTagSet::targets(const store::TagRecord& record) {
  return targets_from_json(record.targets);
}

ModelResult<TagGraph> ModelTagSet::graph() {
  TagGraph g;
  for (const auto& [name, record] : tags_) {
    if (!record) continue;
    auto t = targets(*record);
    if (!t) return fail(t.error());
    g.emplace(name, std::move(*t));
  }
  return g;
}

ModelResult<ResolvedTag> ModelTagSet::resolve(const std::string& tag, std::string_view client_id) {
  std::optional<ModelError> failure;
  TagLookup lookup =
      [&](const std::string& name) -> Result<std::optional<std::vector<TagTarget>>, std::string> {
    auto record = find(name);
    if (!record) {
      failure = record.error();
      return fail(record.error().message);
    }
    if (!*record) return std::optional<std::vector<TagTarget>>();
    auto t = targets(**record);
    if (!t) {
      failure = t.error();
      return fail(t.error().message);
    }
    return std::optional<std::vector<TagTarget>>(std::move(*t));
  };
  auto resolution = resolve_tag(lookup, model_, tag, client_id);
  if (!resolution) {
    if (failure) return fail(*failure);
    return fail(from_resolve_error(resolution.error()));
  }
  if (resolution->file.kind == TargetKind::kSnapshot) {
    const std::string& id = resolution->file.snapshot;
    ResolvedTag out{std::move(resolution->chain), std::move(resolution->chosen_target), {}, {}};
    if (auto it = snapshots_.find(id); it != snapshots_.end()) {
      out.snapshot = it->second;
      return out;
    }
    auto snapshot = store_.get_snapshot(bucket_, model_, id);
    if (!snapshot) return fail(from_store_error(snapshot.error()));
    out.snapshot = std::move(*snapshot);
    return out;
  }
  auto record = find(resolution->pinning_tag);
  if (!record || !*record) return model_fail(ModelErrc::kIo, "tag changed during resolution");
  const std::string key = model_ + "/" + resolution->file.target;
  for (const auto& pin : (*record)->pins) {
    if (pin.key == key && pin.version_id == resolution->file.version_id) {
      return ResolvedTag{std::move(resolution->chain), std::move(resolution->chosen_target), pin};
    }
  }
  return model_fail(ModelErrc::kIo, "tag " + resolution->pinning_tag + " holds no pin of " + key);
}

}  // namespace moss::models
