// The server's TLS settings as an OpenSSL context, and their rotation.
//
// A context is built from the files of a TlsConfig: the certificate chain and
// its key (which must match), and optionally a CA whose clients are required
// to present a certificate. Only TLS 1.2 and 1.3 are offered; TLS 1.2 only
// with ECDHE key exchange and AEAD ciphers (AES-GCM, ChaCha20-Poly1305), TLS
// 1.3 with OpenSSL's default suites (all AEAD).
//
// Rotation: certificates expire, and Kubernetes replaces a mounted Secret's
// files by swapping a symlink. reload_if_changed() compares the identity of
// the files (device, inode, size, modification time, following symlinks) with
// the last attempt and rebuilds the context when they differ; a pair that
// does not load (a key that does not match, a half-written file) is logged
// and the current context stays. Each connection holds the context it
// started with, so new handshakes use the new pair while open connections
// carry on.
//
// Thread-safe: current() is called for every new connection on the network
// threads while the control thread reloads.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <boost/asio/ssl/context.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "moss/http/server.h"
#include "moss/util/metrics.h"
#include "moss/util/mutex.h"
#include "moss/util/result.h"

namespace moss::http {

// What a loaded certificate says about itself, for logs and metrics.
struct CertificateSummary {
  std::string subject;    // RFC 2253: "CN=moss.example.com,O=..."
  std::string issuer;     // same form
  std::string serial;     // hex
  std::string not_after;  // "2027-03-01T12:00:00Z"
  int64_t not_after_unix = 0;
};

class TlsContext {
 public:
  // Loads the files and builds the first context; the error names the file
  // and what is wrong with it. Reloads, refused reloads and failed handshakes
  // are counted in `metrics` (moss_tls_reloads_total,
  // moss_tls_reload_failures_total, moss_tls_handshake_failures_total), beside
  // moss_tls_certificate_expiry_timestamp_seconds; `metrics` must outlive the
  // context, and the context every later render.
  static Result<std::unique_ptr<TlsContext>, std::string> load(const TlsConfig& config,
                                                               Metrics& metrics);

  // The context a new connection handshakes with.
  std::shared_ptr<boost::asio::ssl::context> current() const;
  CertificateSummary certificate() const;

  enum class ReloadOutcome { kUnchanged, kReloaded, kFailed };
  // Rebuilds the context if any of the files changed since the last attempt.
  ReloadOutcome reload_if_changed();
  // Rebuilds the context now (SIGHUP).
  ReloadOutcome reload();

  // A handshake that failed (bad client, expired certificate, plain HTTP).
  void count_handshake_failure();

 private:
  struct FileIdentity {
    dev_t device = 0;
    ino_t inode = 0;
    off_t size = 0;
    int64_t mtime_nanos = 0;
    bool operator==(const FileIdentity&) const = default;
  };

  TlsContext(TlsConfig config, Metrics& metrics);
  std::vector<std::string> watched_files() const;
  // The identities of the watched files; empty when one cannot be stat'ed
  // (mid-swap): the next poll looks again.
  std::vector<FileIdentity> identify_files() const;
  ReloadOutcome rebuild(std::vector<FileIdentity> identities, bool initial, std::string* error);

  const TlsConfig config_;
  Metrics& metrics_;
  mutable Mutex mutex_;
  std::shared_ptr<boost::asio::ssl::context> context_ GUARDED_BY(mutex_);
  CertificateSummary certificate_ GUARDED_BY(mutex_);
  // Only the control thread reloads.
  std::vector<FileIdentity> last_identities_;
  std::atomic<int64_t> not_after_unix_{0};
};

}  // namespace moss::http
