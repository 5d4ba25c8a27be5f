// ModelRegistry, the writes: setting, moving, deleting and rolling back tags.
//
// A write plans under the registry's write mutex: it decides what each target
// names (a tag of the model if one has that name, else a file under the model
// path), checks the model's chains with the change applied, and hands the
// store one transaction that pins the files, writes the tag and its history
// row. A file with no SHA-256 yet (a multipart object) is hashed first,
// outside the mutex, and the plan made again. A directory target (ending in
// '/') pins a snapshot of every file under it (snapshot_plan.h).
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <nlohmann/json.hpp>

#include "model_tag_set.h"
#include "moss/models/model_registry.h"
#include "moss/models/tag_key.h"
#include "moss/util/clock.h"
#include "moss/util/digest.h"
#include "moss/util/hex.h"
#include "moss/util/metrics.h"
#include "snapshot_plan.h"

namespace moss::models {

// One target of a write: what the client asked for, or (rollback) what a
// history entry recorded, whose file versions are pinned again exactly.
struct PlannedTarget {
  TargetRequest request;
  std::optional<TagTarget> recorded;
};

namespace {

// Plans that keep meeting a changed store give up after this many attempts.
constexpr int kWriteAttempts = 5;
constexpr size_t kHashBufferBytes = 1 << 20;
constexpr int kMaxHistoryScan = 10000;

struct Plan {
  std::vector<TagTarget> targets;
  std::vector<store::ObjectVersion> files;  // the versions the file targets pin
  std::vector<PlannedSnapshot> snapshots;   // what the directory targets pin, distinct ids
};

// Adds a directory target's snapshot to the plan, once per identity.
void add_snapshot(Plan& plan, PlannedSnapshot snapshot) {
  for (const auto& s : plan.snapshots) {
    if (s.write.id == snapshot.write.id) return;
  }
  plan.snapshots.push_back(std::move(snapshot));
}

ModelError from_check_error(const ResolveError& e) {
  if (e.code == ResolveErrc::kChainTooLong) return {ModelErrc::kTagChainTooLong, e.message};
  return {ModelErrc::kInvalidTagTarget, e.message};
}

ModelResult<Plan> plan_targets(store::ObjectStore& store, std::string_view bucket,
                               ModelTagSet& tags, const std::vector<PlannedTarget>& planned) {
  Plan plan;
  for (const auto& p : planned) {
    const std::string& name = p.request.target;
    TagTarget target{name, p.request.weight};
    const bool recorded_tag = p.recorded && p.recorded->kind == TargetKind::kTag;
    if (!p.recorded || recorded_tag) {
      auto tag = name.find('/') == std::string::npos
                     ? tags.find(name)
                     : ModelResult<const store::TagRecord*>(nullptr);
      if (!tag) return fail(tag.error());
      if (*tag) {
        target.kind = TargetKind::kTag;
        plan.targets.push_back(std::move(target));
        continue;
      }
      if (recorded_tag) {
        return model_fail(ModelErrc::kInvalidTagTarget, "tag " + name + " no longer exists");
      }
    }
    if (names_directory(name) || (p.recorded && p.recorded->kind == TargetKind::kSnapshot)) {
      auto snapshot =
          p.recorded ? plan_recorded_snapshot(store, bucket, tags.model(), p.recorded->snapshot)
                     : plan_directory_snapshot(store, bucket, tags.model(), name);
      if (!snapshot) return fail(snapshot.error());
      target.kind = TargetKind::kSnapshot;
      target.snapshot = snapshot->write.id;
      plan.targets.push_back(std::move(target));
      add_snapshot(plan, std::move(*snapshot));
      continue;
    }
    const std::string key = tags.model() + "/" + name;
    if (parse_tag_key(key)) {
      return model_fail(ModelErrc::kInvalidTagTarget,
                        name +
                            " names a tag of another model; a target names a tag of this "
                            "model or a file");
    }
    store::ObjectVersion version;
    if (p.recorded) {
      auto v = version_pinned_again(store, bucket, key, p.recorded->version_id,
                                    p.recorded->sha256);
      if (!v) return fail(v.error());
      version = std::move(*v);
    } else {
      auto v = store.get_version(bucket, key);
      if (!v && v.error().code != store::StoreErrc::kNoSuchKey) {
        return fail(from_store_error(v.error()));
      }
      if (!v || v->is_delete_marker) {
        return model_fail(ModelErrc::kInvalidTagTarget, "target " + name + " is neither a tag of " +
                                                            tags.model() + " nor a file " + key);
      }
      version = std::move(*v);
    }
    target.kind = TargetKind::kFile;
    target.version_id = version.version_id;
    target.sha256 = version.content_sha256;
    plan.targets.push_back(std::move(target));
    plan.files.push_back(std::move(version));
  }
  return plan;
}

nlohmann::json resolution_json(const ResolvedTag& r) {
  if (r.snapshot) return {{"snapshot", r.snapshot->id}, {"chain", r.chain}};
  return {{"key", r.file.key},
          {"version_id", r.file.version_id},
          {"sha256", r.file.content_sha256},
          {"chain", r.chain}};
}

// What the tag resolves to once changed, for its history: the file (for a
// weighted tag, the one a client with an empty id gets) and, per target, the
// file each leads to. `tags` must already see the tag's new state.
std::string resolved_summary(ModelTagSet& tags, const std::string& tag,
                             const std::vector<TagTarget>& targets) {
  nlohmann::json out = nlohmann::json::object();
  if (auto r = tags.resolve(tag, "")) out = resolution_json(*r);
  nlohmann::json each = nlohmann::json::array();
  for (const auto& t : targets) {
    nlohmann::json entry = {{"target", t.target}};
    if (t.kind == TargetKind::kFile) {
      entry["key"] = tags.model() + "/" + t.target;
      entry["version_id"] = t.version_id;
      entry["sha256"] = t.sha256;
    } else if (t.kind == TargetKind::kSnapshot) {
      entry["snapshot"] = t.snapshot;
    } else if (auto r = tags.resolve(t.target, "")) {
      entry.update(resolution_json(*r));
    }
    each.push_back(std::move(entry));
  }
  out["targets"] = std::move(each);
  return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

constexpr std::string_view kHashReadBytes = "moss_content_sha256_read_bytes_total";

std::string_view hashed_by_label(HashedBy by) {
  return by == HashedBy::kBackground ? "background" : "tag";
}

// Reads the version's bytes through SHA-256, telling `on_read` of each read
// as it happens (a hash of a large file is seen progressing on /metrics).
ModelResult<std::string> sha256_of(const store::OpenedObject& opened, std::stop_token stop,
                                   const std::function<void(uint64_t)>& on_read) {
  auto hasher = make_hasher(DigestAlgorithm::kSha256);
  std::vector<uint8_t> buffer(kHashBufferBytes);
  for (size_t i = 0; i < opened.segments.size(); ++i) {
    const uint64_t size = opened.version.segments[i].size;
    uint64_t at = 0;
    while (at < size) {
      if (stop.stop_requested()) return model_fail(ModelErrc::kIo, "hashing cancelled");
      const size_t want = static_cast<size_t>(std::min<uint64_t>(buffer.size(), size - at));
      ssize_t n = ::pread(opened.segments[i].get(), buffer.data(), want, static_cast<off_t>(at));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        return model_fail(ModelErrc::kIo, std::string("read for SHA-256: ") +
                                              (n < 0 ? std::strerror(errno) : "short blob"));
      }
      hasher->update(std::span<const uint8_t>(buffer.data(), static_cast<size_t>(n)));
      at += static_cast<uint64_t>(n);
      on_read(static_cast<uint64_t>(n));
    }
  }
  return to_hex(hasher->final());
}

}  // namespace

void ModelRegistry::add_metrics_to(Metrics& metrics) {
  metrics.declare_counter(std::string(kHashReadBytes), "by",
                          "Bytes of stored objects read to record their SHA-256, by a tag write "
                          "or the background hasher",
                          {"tag", "background"});
  metrics_.store(&metrics);
}

ModelResult<void> ModelRegistry::ensure_content_sha256(std::string_view bucket,
                                                       const store::ObjectVersion& version,
                                                       std::stop_token stop, HashedBy by) {
  auto opened = store_.open_object(bucket, version.key, version.version_id);
  if (!opened) {
    // Replaced meanwhile: the next plan finds the new version.
    if (opened.error().code == store::StoreErrc::kNoSuchKey ||
        opened.error().code == store::StoreErrc::kNoSuchVersion) {
      return {};
    }
    return fail(from_store_error(opened.error()));
  }
  // Another version took the id (an overwrite of a "null" version): its
  // hash is its own job. The result is stored by row id, so an overwrite
  // while the bytes are read cannot receive this version's hash either.
  if (opened->version.row_id != version.row_id || !opened->version.content_sha256.empty()) {
    return {};
  }
  Metrics* metrics = metrics_.load();
  auto sha = sha256_of(*opened, stop, [&](uint64_t n) {
    if (metrics) metrics->count(kHashReadBytes, hashed_by_label(by), n);
  });
  if (!sha) return fail(sha.error());
  auto r = store_.set_content_sha256(bucket, version.key, version.row_id, *sha);
  if (!r) return fail(from_store_error(r.error()));
  return {};
}

ModelResult<TagView> ModelRegistry::write_tag(std::string_view bucket, std::string_view model,
                                              std::string_view tag,
                                              const std::vector<PlannedTarget>& planned,
                                              const TagChange& change, const char* action) {
  if (auto r = check_tag_names(model, tag); !r) return fail(r.error());
  const std::string tag_name(tag);
  for (int attempt = 0; attempt < kWriteAttempts; ++attempt) {
    std::vector<store::ObjectVersion> unhashed;
    {
      MutexLock lock(write_mutex_);
      ModelTagSet tags(store_, std::string(bucket), std::string(model));
      if (auto r = tags.load_all(); !r) return fail(r.error());
      auto plan = plan_targets(store_, bucket, tags, planned);
      if (!plan) return fail(plan.error());
      for (const auto& f : plan->files) {
        if (f.content_sha256.empty()) unhashed.push_back(f);
      }
      for (const auto& snapshot : plan->snapshots) {
        unhashed.insert(unhashed.end(), snapshot.unhashed.begin(), snapshot.unhashed.end());
      }
      if (unhashed.empty()) {
        auto graph = tags.graph();
        if (!graph) return fail(graph.error());
        if (auto ok = check_tag_change(*graph, tag_name, plan->targets); !ok) {
          return fail(from_check_error(ok.error()));
        }
        store::TagWrite w;
        w.key = tag_object_key(model, tag);
        w.model = std::string(model);
        w.tag = tag_name;
        w.targets = targets_to_json(plan->targets);
        // By row id too: the targets record this version's SHA-256, and an
        // overwrite of a "null" version since it was read has the same id.
        for (const auto& f : plan->files) w.pins.push_back({f.key, f.version_id, f.row_id});
        for (const auto& snapshot : plan->snapshots) {
          w.snapshots.push_back(snapshot.write);
          tags.put_snapshot(snapshot.record);
        }
        w.now_ns = now_unix_nanos();
        w.actor = change.actor;
        w.action = action;
        w.etag = to_hex(digest(DigestAlgorithm::kMd5,
                               w.targets + "\n" + w.actor + "\n" + std::to_string(w.now_ns)));
        store::TagRecord planned_record{w.key, w.model, w.tag, w.targets, plan->files, {},
                                       w.etag, w.now_ns, w.actor};
        for (const auto& snapshot : w.snapshots) planned_record.snapshots.push_back(snapshot.id);
        tags.put(tag_name, std::move(planned_record));
        w.resolved = resolved_summary(tags, tag_name, plan->targets);

        auto outcome = store_.set_tag(bucket, w, change.pre);
        if (outcome) return make_view(bucket, *outcome->tag, change.client_id);
        // A pinned version replaced since it was looked up: plan again.
        if (outcome.error().code != store::StoreErrc::kNoSuchKey) {
          return fail(from_store_error(outcome.error()));
        }
        continue;
      }
    }
    for (const auto& f : unhashed) {
      if (auto r = ensure_content_sha256(bucket, f); !r) return fail(r.error());
    }
  }
  return model_fail(ModelErrc::kConflict, "the tag's targets kept changing; try again");
}

ModelResult<TagView> ModelRegistry::set_tag(std::string_view bucket, std::string_view model,
                                            std::string_view tag,
                                            const std::vector<TargetRequest>& targets,
                                            const TagChange& change) {
  if (targets.empty()) return model_fail(ModelErrc::kInvalidArgument, "no target");
  std::vector<PlannedTarget> planned;
  for (const auto& t : targets) {
    if (auto why = target_syntax_error(t.target); !why.empty()) {
      return model_fail(ModelErrc::kInvalidTagTarget, why);
    }
    if (t.weight == 0 || t.weight > kMaxTargetWeight) {
      return model_fail(ModelErrc::kInvalidArgument, "a weight must be a positive integer");
    }
    planned.push_back({t, std::nullopt});
  }
  return write_tag(bucket, model, tag, planned, change, "set");
}

ModelResult<void> ModelRegistry::delete_tag(std::string_view bucket, std::string_view model,
                                            std::string_view tag, const TagChange& change) {
  if (auto r = check_tag_names(model, tag); !r) return fail(r.error());
  MutexLock lock(write_mutex_);
  auto outcome = store_.delete_tag(bucket, tag_object_key(model, tag), change.actor,
                                   now_unix_nanos(), change.pre);
  if (!outcome) {
    if (outcome.error().code == store::StoreErrc::kNoSuchKey) {
      return model_fail(ModelErrc::kNoSuchTag, tag_object_key(model, tag));
    }
    return fail(from_store_error(outcome.error()));
  }
  return {};
}

ModelResult<TagView> ModelRegistry::rollback(std::string_view bucket, std::string_view model,
                                             std::string_view tag, std::optional<int64_t> to,
                                             const TagChange& change) {
  auto entries = history(bucket, model, tag, kMaxHistoryScan);
  if (!entries) return fail(entries.error());
  std::string targets_json;
  if (to) {
    for (const auto& e : *entries) {
      if (e.seq == *to) targets_json = e.new_targets;
    }
    if (targets_json.empty()) {
      return model_fail(ModelErrc::kInvalidArgument,
                        "history entry " + std::to_string(*to) +
                            " does not exist or deleted the tag; nothing to roll back to");
    }
  } else {
    targets_json = entries->front().old_targets;
    if (targets_json.empty()) {
      return model_fail(ModelErrc::kInvalidArgument,
                        "the tag had no target before its latest change");
    }
  }
  auto recorded = targets_from_json(targets_json);
  if (!recorded) return fail(recorded.error());
  std::vector<PlannedTarget> planned;
  for (const auto& t : *recorded) planned.push_back({TargetRequest{t.target, t.weight}, t});
  return write_tag(bucket, model, tag, planned, change, "rollback");
}

}  // namespace moss::models
