#include "s3/addressing.h"

#include "moss/util/ascii.h"
#include "moss/util/uri.h"

namespace moss::s3 {
namespace {

std::string_view strip_port(std::string_view host) {
  if (host.starts_with('[')) {  // [::1]:9000
    auto end = host.find(']');
    return end == std::string_view::npos ? host : host.substr(0, end + 1);
  }
  auto colon = host.rfind(':');
  return colon == std::string_view::npos ? host : host.substr(0, colon);
}

}  // namespace

std::optional<Address> resolve_address(std::string_view raw_path, std::string_view host,
                                       std::string_view domain) {
  if (raw_path.empty() || raw_path.front() != '/') return std::nullopt;
  std::string_view path = raw_path.substr(1);

  if (!domain.empty()) {
    std::string_view name = strip_port(host);
    if (name.size() > domain.size() + 1 && name[name.size() - domain.size() - 1] == '.' &&
        ascii_iequals(name.substr(name.size() - domain.size()), domain)) {
      auto key = percent_decode(path);
      if (!key) return std::nullopt;
      return Address{std::string(name.substr(0, name.size() - domain.size() - 1)), std::move(*key)};
    }
  }

  auto slash = path.find('/');
  std::string_view bucket_part = path.substr(0, slash);
  std::string_view key_part =
      slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
  auto bucket = percent_decode(bucket_part);
  auto key = percent_decode(key_part);
  if (!bucket || !key) return std::nullopt;
  return Address{std::move(*bucket), std::move(*key)};
}

}  // namespace moss::s3
