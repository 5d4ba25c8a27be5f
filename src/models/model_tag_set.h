// The tags of one model as resolution reads them (model_registry.cpp and
// tag_writes.cpp): fetched from the store one at a time and remembered, or
// loaded whole (a write checks every chain), or supplied (a tag's state
// before it is written).
#pragma once

#include <map>
#include <optional>
#include <string>

#include "moss/models/model_error.h"
#include "moss/models/model_registry.h"
#include "moss/models/tag_resolver.h"
#include "moss/store/object_store.h"

namespace moss::models {

class ModelTagSet {
 public:
  ModelTagSet(store::ObjectStore& store, std::string bucket, std::string model)
      : store_(store), bucket_(std::move(bucket)), model_(std::move(model)) {}

  const std::string& model() const { return model_; }

  // Reads every tag of the model at once; later lookups use what was read.
  ModelResult<void> load_all();
  // Sets (or, with nullopt, hides) a tag as resolution should see it.
  void put(const std::string& tag, std::optional<store::TagRecord> record);
  // A snapshot resolution should see before the store has it (a write's plan).
  void put_snapshot(store::SnapshotRecord snapshot);

  // The tag, nullptr when the model has none of that name.
  ModelResult<const store::TagRecord*> find(const std::string& tag);
  ModelResult<std::vector<TagTarget>> targets(const store::TagRecord& record);

  // Every tag read so far with its targets (after load_all(): the whole model).
  ModelResult<TagGraph> graph();

  // resolve_tag over this set, with the pinned version of the file reached.
  ModelResult<ResolvedTag> resolve(const std::string& tag, std::string_view client_id);

 private:
  store::ObjectStore& store_;
  std::string bucket_;
  std::string model_;
  bool complete_ = false;
  std::map<std::string, std::optional<store::TagRecord>, std::less<>> tags_;
  std::map<std::string, store::SnapshotRecord, std::less<>> snapshots_;
};

// A tag's model path and name are what a tag key needs: kInvalidArgument otherwise.
ModelResult<void> check_tag_names(std::string_view model, std::string_view tag);

}  // namespace moss::models
