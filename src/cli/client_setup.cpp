#include "moss/cli/client_setup.h"

#include <unistd.h>

#include <climits>
#include <cstdio>

namespace moss::cli {
namespace {

std::string env(const Getenv& getenv, const char* name) {
  const char* value = getenv(name);
  return value ? std::string(value) : std::string();
}

std::string host_name() {
  char name[HOST_NAME_MAX + 1] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "";
  return name;
}

}  // namespace

void add_client_options(CLI::App& command, ClientOptions& options) {
  command
      .add_option("--endpoint", options.endpoint,
                  "Server URL (else $MOSS_ENDPOINT, $AWS_ENDPOINT_URL, http://127.0.0.1:9000)")
      ->group("Server");
  command
      .add_option("--region", options.region,
                  "Region to sign for (else $AWS_REGION, $AWS_DEFAULT_REGION, us-east-1)")
      ->group("Server");
  command
      .add_option("--ca-file", options.ca_file,
                  "PEM CA bundle to verify an https:// server with (else $MOSS_CA_FILE, "
                  "$AWS_CA_BUNDLE, the system's)")
      ->group("Server");
  command.add_option("--bucket", options.bucket, "Bucket holding the models")
      ->capture_default_str()
      ->group("Server");
  command
      .add_option("--client-id", options.client_id,
                  "Who this client is in the server's audit trail, sent as x-moss-client-id "
                  "(else $MOSS_CLIENT_ID, else the host name)")
      ->group("Server");
}

Result<ResolvedClient, std::string> resolve_client(const ClientOptions& options,
                                                   const Getenv& getenv) {
  ResolvedClient resolved;
  std::string url = options.endpoint;
  for (const char* name : {"MOSS_ENDPOINT", "AWS_ENDPOINT_URL"}) {
    if (url.empty()) url = env(getenv, name);
  }
  if (url.empty()) url = "http://127.0.0.1:9000";
  std::string why;
  auto endpoint = client::parse_endpoint(url, &why);
  if (!endpoint) return fail("endpoint '" + url + "': " + why);
  resolved.config.endpoint = *endpoint;
  resolved.config.endpoint.ca_file = options.ca_file;
  for (const char* name : {"MOSS_CA_FILE", "AWS_CA_BUNDLE"}) {
    if (resolved.config.endpoint.ca_file.empty()) {
      resolved.config.endpoint.ca_file = env(getenv, name);
    }
  }

  resolved.config.region = options.region;
  for (const char* name : {"AWS_REGION", "AWS_DEFAULT_REGION"}) {
    if (resolved.config.region.empty()) resolved.config.region = env(getenv, name);
  }
  if (resolved.config.region.empty()) resolved.config.region = "us-east-1";

  const bool aws = !env(getenv, "AWS_ACCESS_KEY_ID").empty();
  const char* prefix = aws ? "AWS" : "MOSS";
  resolved.access_key_variable = std::string(prefix) + "_ACCESS_KEY_ID";
  resolved.secret_key_variable = std::string(prefix) + "_SECRET_ACCESS_KEY";
  resolved.config.credentials.access_key_id = env(getenv, resolved.access_key_variable.c_str());
  resolved.config.credentials.secret_access_key = env(getenv, resolved.secret_key_variable.c_str());
  if (resolved.config.credentials.access_key_id.empty()) {
    return fail(
        std::string("no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
                    "(or MOSS_ACCESS_KEY_ID and MOSS_SECRET_ACCESS_KEY)"));
  }
  if (resolved.config.credentials.secret_access_key.empty()) {
    return fail(resolved.access_key_variable + " is set but " + resolved.secret_key_variable +
                " is not");
  }
  resolved.config.client_id = options.client_id;
  if (resolved.config.client_id.empty()) resolved.config.client_id = env(getenv, "MOSS_CLIENT_ID");
  if (resolved.config.client_id.empty()) resolved.config.client_id = host_name();
  if (options.bucket.empty()) return fail(std::string("--bucket must not be empty"));
  resolved.bucket = options.bucket;
  return resolved;
}

std::string failure_message(const client::ClientError& error, const ResolvedClient& client) {
  using Kind = client::ClientError::Kind;
  const std::string what = error.describe();
  switch (error.kind) {
    case Kind::kTransport:
      return what + " (is moss running there? set --endpoint or MOSS_ENDPOINT)";
    case Kind::kLocal:
    case Kind::kIntegrity:
    case Kind::kProtocol:
      return what;
    case Kind::kHttp:
      break;
  }
  const std::string status =
      "(" + std::to_string(error.status) + (error.code.empty() ? "" : " " + error.code) + ")";
  if (error.code == "SignatureDoesNotMatch") {
    return "access denied " + status + ": check " + client.secret_key_variable;
  }
  if (error.code == "InvalidAccessKeyId") {
    return "access denied " + status + ": the server does not know the key " +
           client.config.credentials.access_key_id + "; check " + client.access_key_variable;
  }
  if (error.code == "RequestTimeTooSkewed") {
    return "access denied " + status + ": this machine's clock is off; fix the time";
  }
  if (error.code == "AuthorizationHeaderMalformed" &&
      error.message.find("region") != std::string::npos) {
    return "access denied " + status + ": " + error.message + " (set --region or AWS_REGION)";
  }
  if (error.status == 403) {
    return "access denied " + status + (error.message.empty() ? "" : ": " + error.message);
  }
  if (error.code == "NoSuchBucket") {
    return "bucket '" + client.bucket + "' does not exist " + status +
           " (choose another with --bucket)";
  }
  return what;
}

void fail_command(const std::string& command, const std::string& message) {
  std::fprintf(stderr, "moss %s: %s\n", command.c_str(), message.c_str());
  std::fflush(stderr);
  throw CLI::RuntimeError(1);
}

ResolvedClient resolve_client_or_exit(const ClientOptions& options, const std::string& command) {
  auto resolved = resolve_client(options);
  if (!resolved) fail_command(command, resolved.error());
  return std::move(*resolved);
}

}  // namespace moss::cli
