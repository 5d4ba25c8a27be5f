// The Hub protocol's client side (hub_upstream.h).
#include "moss/hub_mirror/hub_upstream.h"

#include <nlohmann/json.hpp>

#include "moss/util/ascii.h"
#include "moss/util/uri.h"

namespace moss::hub_mirror {
namespace {

// "org/name" keeps its '/', a revision does not ("refs/pr/1" is one segment).
std::string revision_target(const std::string& repo, const std::string& revision) {
  return "/api/models/" + aws_uri_encode(repo, false) + "/revision/" +
         aws_uri_encode(revision, true) + "?blobs=true";
}

std::string resolve_target(const std::string& repo, const std::string& commit,
                           const std::string& path) {
  return "/" + aws_uri_encode(repo, false) + "/resolve/" + aws_uri_encode(commit, true) + "/" +
         aws_uri_encode(path, false);
}

client::Headers request_headers(const HubUpstreamConfig& config, bool with_token) {
  client::Headers headers{{"User-Agent", "moss-hub-mirror"}};
  if (with_token && !config.token.empty()) {
    headers.emplace_back("Authorization", "Bearer " + config.token);
  }
  return headers;
}

UpstreamError unreachable(const client::Endpoint& endpoint, const std::string& why) {
  return {0, "", "The upstream " + endpoint.url() + " could not be reached: " + why};
}

// A refusal as the Hub words it: X-Error-Code / X-Error-Message, else the
// JSON body's "error", else the status alone.
UpstreamError refusal(const client::HttpResponse& response) {
  UpstreamError error{response.status, std::string(response.header("x-error-code")),
                      std::string(response.header("x-error-message"))};
  if (error.message.empty()) {
    auto doc = nlohmann::json::parse(response.body, nullptr, false);
    if (doc.is_object() && doc.contains("error") && doc["error"].is_string()) {
      error.message = doc["error"].get<std::string>();
    }
  }
  if (error.message.empty()) {
    error.message = "The upstream answered " + std::to_string(response.status) + ".";
  }
  return error;
}

bool is_redirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

}  // namespace

std::optional<UpstreamRevision> parse_revision_document(const std::string& repo,
                                                        const std::string& revision,
                                                        std::string_view json) {
  auto doc = nlohmann::json::parse(json, nullptr, false);
  if (!doc.is_object() || !doc.contains("sha") || !doc["sha"].is_string()) return std::nullopt;
  UpstreamRevision out{repo, revision, doc["sha"].get<std::string>(), {}};
  if (out.commit.empty()) return std::nullopt;
  if (doc.contains("lastModified") && doc["lastModified"].is_string()) {
    out.last_modified = doc["lastModified"].get<std::string>();
  }
  const auto siblings = doc.value("siblings", nlohmann::json::array());
  if (!siblings.is_array()) return std::nullopt;
  for (const auto& s : siblings) {
    if (!s.is_object() || !s.contains("rfilename") || !s["rfilename"].is_string()) {
      return std::nullopt;
    }
    UpstreamFile file;
    file.path = s["rfilename"].get<std::string>();
    if (s.contains("size") && s["size"].is_number_unsigned()) file.size = s["size"].get<uint64_t>();
    if (s.contains("blobId") && s["blobId"].is_string()) {
      file.blob_id = s["blobId"].get<std::string>();
    }
    if (s.contains("lfs") && s["lfs"].is_object()) {
      const auto& lfs = s["lfs"];
      if (lfs.contains("sha256") && lfs["sha256"].is_string()) {
        file.lfs_sha256 = ascii_lowercase(lfs["sha256"].get<std::string>());
      }
      if (lfs.contains("size") && lfs["size"].is_number_unsigned()) {
        file.size = lfs["size"].get<uint64_t>();
      }
    }
    out.files.push_back(std::move(file));
  }
  return out;
}

std::optional<RedirectTarget> redirect_target(const client::Endpoint& from,
                                              std::string_view location) {
  if (location.empty()) return std::nullopt;
  if (location.front() == '/') {
    if (location.size() > 1 && location[1] == '/') return std::nullopt;  // scheme-relative
    return RedirectTarget{from, std::string(location), true};
  }
  const size_t scheme_end = location.find("://");
  if (scheme_end == std::string_view::npos) return std::nullopt;
  const size_t path_start = location.find('/', scheme_end + 3);
  const std::string_view origin = location.substr(0, path_start);
  std::string target =
      path_start == std::string_view::npos ? "/" : std::string(location.substr(path_start));
  auto endpoint = client::parse_endpoint(origin);
  if (!endpoint) return std::nullopt;
  endpoint->ca_file = from.ca_file;
  const bool same = endpoint->host == from.host && endpoint->port == from.port &&
                    endpoint->https == from.https;
  return RedirectTarget{*endpoint, std::move(target), same};
}

HubUpstream::HubUpstream(HubUpstreamConfig config) : config_(std::move(config)) {}

Result<UpstreamRevision, UpstreamError> HubUpstream::revision(const std::string& repo,
                                                              const std::string& revision) const {
  client::HttpClient http(config_.endpoint, config_.timeouts);
  client::HttpRequest request{"GET", revision_target(repo, revision),
                              request_headers(config_, true)};
  auto response = http.send(request);
  if (!response) return fail(unreachable(config_.endpoint, response.error().describe()));
  if (response->status != 200) return fail(refusal(*response));
  auto parsed = parse_revision_document(repo, revision, response->body);
  if (!parsed) {
    return fail(UpstreamError{0, "", "The upstream's answer for " + repo + "@" + revision +
                                         " is not a revision (no sha or siblings)."});
  }
  return std::move(*parsed);
}

Result<void, UpstreamError> HubUpstream::download(const std::string& repo,
                                                  const std::string& commit,
                                                  const std::string& path,
                                                  client::BodySink& sink) const {
  RedirectTarget at{config_.endpoint, resolve_target(repo, commit, path), true};
  for (int hop = 0; hop <= kMaxRedirects; ++hop) {
    client::HttpClient http(at.endpoint, config_.timeouts);
    client::HttpRequest request{"GET", at.target, request_headers(config_, at.same_host)};
    auto response = http.send(request, [&](const client::HttpResponse& head) {
      return head.status == 200 ? &sink : nullptr;
    });
    if (!response) return fail(unreachable(at.endpoint, response.error().describe()));
    if (response->status == 200) return {};
    if (!is_redirect(response->status)) return fail(refusal(*response));
    auto next = redirect_target(at.endpoint, response->header("location"));
    if (!next) {
      return fail(UpstreamError{0, "", "The upstream redirected " + path + " to an unusable location: " +
                                           std::string(response->header("location"))});
    }
    next->same_host = next->same_host && at.same_host;
    at = std::move(*next);
  }
  return fail(UpstreamError{0, "", "The upstream redirected " + path + " more than " +
                                       std::to_string(kMaxRedirects) + " times."});
}

}  // namespace moss::hub_mirror
