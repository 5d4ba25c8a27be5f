// Tag resolution, pure logic: following a tag through other tags of its model
// to the file it serves, choosing among weighted targets per client, and
// checking that a change leaves every chain finite and short.
//
// A chain counts hops: "latest -> v2 -> 2024-03-20/x.gguf" is 2 hops. No
// chain may be longer than kMaxTagHops, and none may loop.
//
// Weighted choice: a client's position is a hash of (client id, tag key)
// mapped onto [0, total weight), and the targets own consecutive stretches of
// that range in the order they are listed. So a client keeps its choice while
// the weights stand, the split over many clients follows the weights, and
// when a rollout moves weight from the second target to the first, clients
// only move in that direction (nobody flips back and forth).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "moss/models/tag_target.h"
#include "moss/util/result.h"

namespace moss::models {

inline constexpr int kMaxTagHops = 8;

// The index of the target `client_id` gets among weighted `targets` of the
// tag `tag_key` ("<model>/tags/<tag>"). Deterministic; `targets` non-empty.
size_t choose_weighted(std::string_view client_id, std::string_view tag_key,
                       std::span<const TagTarget> targets);

struct Resolution {
  // The tags followed and the file reached: {"latest", "v2", "2024-03-20/x.gguf"}.
  std::vector<std::string> chain;
  // The tag whose target is the file (or snapshot): its pin serves the bytes.
  std::string pinning_tag;
  TagTarget file;  // a kFile or kSnapshot target
  // What the first weighted tag on the way chose for this client; empty when
  // no tag on the way had more than one target.
  std::string chosen_target;
};

enum class ResolveErrc {
  kNoSuchTag,       // the tag asked for does not exist
  kDanglingTarget,  // a tag on the way names a tag that no longer exists
  kCycle,
  kChainTooLong,
  kLookupFailed,  // the lookup itself failed (the store); message says why
};

struct ResolveError {
  ResolveErrc code;
  std::string message;
};

// The targets of a tag of the model (nullopt when there is no such tag), or
// why the lookup failed.
using TagLookup =
    std::function<Result<std::optional<std::vector<TagTarget>>, std::string>(const std::string&)>;

// Follows `tag` of `model` to a file, choosing among weighted targets for `client_id`.
Result<Resolution, ResolveError> resolve_tag(const TagLookup& lookup, std::string_view model,
                                             std::string_view tag, std::string_view client_id);

// Every tag of one model with its targets.
using TagGraph = std::map<std::string, std::vector<TagTarget>, std::less<>>;

// Whether giving `tag` the targets `targets` keeps the model's tags sound:
// every tag target of `tag` exists (kDanglingTarget), and no chain through
// `tag`, from it or from a tag leading to it, loops (kCycle) or is longer than
// kMaxTagHops along any weighted branch (kChainTooLong). Tags that do not reach
// `tag` are not judged: the change cannot affect them.
Result<void, ResolveError> check_tag_change(const TagGraph& graph, std::string_view tag,
                                            const std::vector<TagTarget>& targets);

}  // namespace moss::models
