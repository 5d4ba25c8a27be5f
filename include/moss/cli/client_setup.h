// What every client subcommand (push, pull, tag, models) shares: the options
// that say which server, key, region and bucket to use, resolved against the
// environment the way aws-cli does, and the wording of failures.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

#include "moss/client/client_error.h"
#include "moss/client/signed_client.h"
#include "moss/util/result.h"

namespace moss::cli {

struct ClientOptions {
  std::string endpoint;  // else MOSS_ENDPOINT, AWS_ENDPOINT_URL, http://127.0.0.1:9000
  std::string region;    // else AWS_REGION, AWS_DEFAULT_REGION, us-east-1
  std::string bucket = "models";
  std::string client_id;  // else MOSS_CLIENT_ID, else this host's name
  std::string ca_file;    // else MOSS_CA_FILE, AWS_CA_BUNDLE, else the system's CA bundle
};

// --endpoint, --region, --bucket, --client-id, --ca-file on `command`.
void add_client_options(CLI::App& command, ClientOptions& options);

// A client configuration and where its parts came from, for messages.
struct ResolvedClient {
  client::ClientConfig config;
  std::string bucket;
  std::string access_key_variable;  // "AWS_ACCESS_KEY_ID" or "MOSS_ACCESS_KEY_ID"
  std::string secret_key_variable;
};

using Getenv = std::function<const char*(const char*)>;

// The client id (x-moss-client-id): --client-id, else $MOSS_CLIENT_ID, else
// the host name (a pod's name in Kubernetes), so the audit trail can say who
// pulled. Empty when none is known.
// Credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY when the first is
// set, else MOSS_ACCESS_KEY_ID / MOSS_SECRET_ACCESS_KEY. Fails with a message
// naming what to set.
Result<ResolvedClient, std::string> resolve_client(const ClientOptions& options,
                                                   const Getenv& getenv = ::getenv);

// resolve_client for a subcommand: the resolved client, or the message on
// stderr and exit status 1 (fail_command).
ResolvedClient resolve_client_or_exit(const ClientOptions& options, const std::string& command);

// One line saying what went wrong and, where it is clear, what to do:
// "access denied (403 SignatureDoesNotMatch): check AWS_SECRET_ACCESS_KEY".
std::string failure_message(const client::ClientError& error, const ResolvedClient& client);

// Prints "moss <command>: <message>" on stderr and ends the subcommand with exit status 1.
[[noreturn]] void fail_command(const std::string& command, const std::string& message);

}  // namespace moss::cli
