#include "moss/cli/model_ref.h"

#include <charconv>
#include <ctime>
#include <set>

namespace moss::cli {
namespace {

template <class T>
std::optional<T> reject(std::string* why, std::string reason) {
  if (why) *why = std::move(reason);
  return std::nullopt;
}

std::string_view basename_of(std::string_view path) {
  while (path.size() > 1 && path.ends_with("/")) path.remove_suffix(1);
  auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

}  // namespace

std::optional<ModelRef> parse_model_ref(std::string_view text, std::string_view default_tag,
                                        std::string* why) {
  ModelRef ref;
  auto colon = text.rfind(':');
  if (colon != std::string_view::npos &&
      text.substr(colon + 1).find('/') == std::string_view::npos) {
    ref.model = std::string(text.substr(0, colon));
    ref.tag = std::string(text.substr(colon + 1));
    if (ref.tag.empty())
      return reject<ModelRef>(why, "'" + std::string(text) + "' has an empty tag");
  } else {
    ref.model = std::string(text);
    ref.tag = std::string(default_tag);
    if (ref.tag.empty()) {
      return reject<ModelRef>(why, "'" + std::string(text) + "' names no tag; write MODEL:TAG");
    }
  }
  if (ref.model.empty()) return reject<ModelRef>(why, "'" + std::string(text) + "' names no model");
  if (ref.model.front() == '/' || ref.model.back() == '/') {
    return reject<ModelRef>(why, "a model name neither starts nor ends with '/'");
  }
  return ref;
}

std::optional<client::WeightedTarget> parse_target(std::string_view text, std::string* why) {
  client::WeightedTarget target{std::string(text), 1};
  auto equals = text.rfind('=');
  if (equals != std::string_view::npos) {
    std::string_view weight = text.substr(equals + 1);
    int64_t value = 0;
    auto [end, ec] = std::from_chars(weight.data(), weight.data() + weight.size(), value);
    if (ec != std::errc() || end != weight.data() + weight.size() || value <= 0) {
      return reject<client::WeightedTarget>(
          why, "'" + std::string(text) + "': a weight is a positive integer (TARGET=WEIGHT)");
    }
    target.target = std::string(text.substr(0, equals));
    target.weight = value;
  }
  if (target.target.empty()) {
    return reject<client::WeightedTarget>(why, "'" + std::string(text) + "' names no target");
  }
  return target;
}

std::optional<std::vector<client::WeightedTarget>> parse_targets(
    const std::vector<std::string>& args, std::string* why) {
  using Targets = std::vector<client::WeightedTarget>;
  if (args.empty()) return reject<Targets>(why, "no target given");
  Targets targets;
  std::set<std::string> seen;
  for (const auto& arg : args) {
    auto target = parse_target(arg, why);
    if (!target) return std::nullopt;
    if (args.size() > 1 && arg.find('=') == std::string::npos) {
      return reject<Targets>(why,
                             "several targets make a weighted tag: give each a weight "
                             "(v2=10 v1=90)");
    }
    if (!seen.insert(target->target).second) {
      return reject<Targets>(why, "target '" + target->target + "' is given twice");
    }
    targets.push_back(std::move(*target));
  }
  return targets;
}

bool is_valid_date(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (text[i] < '0' || text[i] > '9') return false;
  }
  const int year = std::stoi(std::string(text.substr(0, 4)));
  const int month = std::stoi(std::string(text.substr(5, 2)));
  const int day = std::stoi(std::string(text.substr(8, 2)));
  if (month < 1 || month > 12 || day < 1) return false;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return day <= kDays[month - 1] + (month == 2 && leap ? 1 : 0);
}

std::string utc_date(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[16];
  std::strftime(text, sizeof text, "%Y-%m-%d", &tm);
  return text;
}

std::string dated_path(std::string_view date, std::string_view file_path) {
  return std::string(date) + "/" + std::string(basename_of(file_path));
}

std::string dated_key(std::string_view model, std::string_view date, std::string_view file_path) {
  return std::string(model) + "/" + dated_path(date, file_path);
}

}  // namespace moss::cli
