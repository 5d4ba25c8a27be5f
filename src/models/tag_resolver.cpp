#include "moss/models/tag_resolver.h"

#include <set>

#include "moss/util/digest.h"

namespace moss::models {
namespace {

std::string tag_key_of(std::string_view model, std::string_view tag) {
  return std::string(model) + "/tags/" + std::string(tag);
}

// Longest chain, in hops, from each tag of a graph to a file, with loops
// reported. A target naming a missing tag counts as one hop (it ends there).
class ChainMeasure {
 public:
  explicit ChainMeasure(const TagGraph& graph) : graph_(graph) {}

  Result<int, ResolveError> depth(const std::string& tag) {
    if (auto it = memo_.find(tag); it != memo_.end()) return it->second;
    if (!on_path_.insert(tag).second) {
      return fail(ResolveError{ResolveErrc::kCycle, "the tag chain loops through " + tag});
    }
    int deepest = 0;
    auto node = graph_.find(tag);
    if (node != graph_.end()) {
      for (const auto& t : node->second) {
        int hops = 1;
        if (t.kind == TargetKind::kTag && graph_.contains(t.target)) {
          auto below = depth(t.target);
          if (!below) return below;
          hops += *below;
        }
        deepest = std::max(deepest, hops);
      }
    }
    on_path_.erase(tag);
    memo_.emplace(tag, deepest);
    return deepest;
  }

 private:
  const TagGraph& graph_;
  std::map<std::string, int> memo_;
  std::set<std::string> on_path_;
};

bool reaches(const TagGraph& graph, const std::string& from, std::string_view to,
             std::set<std::string>& seen) {
  if (from == to) return true;
  if (!seen.insert(from).second) return false;
  auto node = graph.find(from);
  if (node == graph.end()) return false;
  for (const auto& t : node->second) {
    if (t.kind == TargetKind::kTag && reaches(graph, t.target, to, seen)) return true;
  }
  return false;
}

}  // namespace

size_t choose_weighted(std::string_view client_id, std::string_view tag_key,
                       std::span<const TagTarget> targets) {
  uint64_t total = 0;
  for (const auto& t : targets) total += t.weight;
  if (targets.size() <= 1 || total == 0) return 0;
  std::string input(client_id);
  input.push_back('\0');
  input.append(tag_key);
  const std::string hash = digest(DigestAlgorithm::kSha256, input);
  uint64_t position32 = 0;  // the first 32 bits of the hash: a fraction of 2^32
  for (int i = 0; i < 4; ++i) position32 = (position32 << 8) | static_cast<uint8_t>(hash[i]);
  // total <= kMaxTagTargets * kMaxTargetWeight < 2^32, so this cannot overflow.
  const uint64_t point = (position32 * total) >> 32;  // in [0, total)
  uint64_t end = 0;
  for (size_t i = 0; i < targets.size(); ++i) {
    end += targets[i].weight;
    if (point < end) return i;
  }
  return targets.size() - 1;
}

Result<Resolution, ResolveError> resolve_tag(const TagLookup& lookup, std::string_view model,
                                             std::string_view tag, std::string_view client_id) {
  Resolution r;
  std::string current(tag);
  std::set<std::string> visited{current};
  r.chain.push_back(current);
  for (int hops = 1;; ++hops) {
    auto targets = lookup(current);
    if (!targets) return fail(ResolveError{ResolveErrc::kLookupFailed, targets.error()});
    if (!*targets || (*targets)->empty()) {
      if (hops == 1) return fail(ResolveError{ResolveErrc::kNoSuchTag, "no tag " + current});
      return fail(ResolveError{ResolveErrc::kDanglingTarget, "tag " + r.chain[r.chain.size() - 2] +
                                                                 " names tag " + current +
                                                                 ", which does not exist"});
    }
    const auto& list = **targets;
    const size_t index = choose_weighted(client_id, tag_key_of(model, current), list);
    const TagTarget& next = list[index];
    if (list.size() > 1 && r.chosen_target.empty()) r.chosen_target = next.target;
    r.chain.push_back(next.target);
    if (hops > kMaxTagHops) {
      return fail(
          ResolveError{ResolveErrc::kChainTooLong,
                       "the tag chain is longer than " + std::to_string(kMaxTagHops) + " hops"});
    }
    if (next.kind != TargetKind::kTag) {
      r.pinning_tag = current;
      r.file = next;
      return r;
    }
    if (!visited.insert(next.target).second) {
      return fail(ResolveError{ResolveErrc::kCycle, "the tag chain loops through " + next.target});
    }
    current = next.target;
  }
}

Result<void, ResolveError> check_tag_change(const TagGraph& graph, std::string_view tag,
                                            const std::vector<TagTarget>& targets) {
  TagGraph changed = graph;
  changed.insert_or_assign(std::string(tag), targets);
  for (const auto& t : targets) {
    if (t.kind == TargetKind::kTag && !changed.contains(t.target)) {
      return fail(ResolveError{ResolveErrc::kDanglingTarget, "no tag " + t.target});
    }
  }
  ChainMeasure measure(changed);
  for (const auto& [name, ignored] : changed) {
    std::set<std::string> seen;
    if (!reaches(changed, name, tag, seen)) continue;
    auto hops = measure.depth(name);
    if (!hops) return fail(hops.error());
    if (*hops > kMaxTagHops) {
      return fail(ResolveError{ResolveErrc::kChainTooLong,
                               "the chain from tag " + name + " would be " + std::to_string(*hops) +
                                   " hops long; at most " + std::to_string(kMaxTagHops) +
                                   " are allowed"});
    }
  }
  return {};
}

}  // namespace moss::models
