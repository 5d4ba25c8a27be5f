#include "http/tls_context.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <boost/asio/buffer.hpp>
#include <ctime>

#include "moss/util/fs.h"

namespace moss::http {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;

namespace {

// The counters this context keeps in Metrics.
constexpr std::string_view kReloads = "moss_tls_reloads_total";
constexpr std::string_view kReloadFailures = "moss_tls_reload_failures_total";
constexpr std::string_view kHandshakeFailures = "moss_tls_handshake_failures_total";

// TLS 1.2 suites: forward-secret key exchange (ECDHE) and AEAD ciphers only,
// as Mozilla's "intermediate" profile minus finite-field DHE. TLS 1.3 keeps
// OpenSSL's default suites (AES-GCM and ChaCha20-Poly1305).
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

// Session resumption with client certificates needs an id context; any
// constant names this server's sessions.
constexpr unsigned char kSessionIdContext[] = "moss";

// The reason of the most recent OpenSSL error, and the queue emptied.
std::string take_openssl_error(const boost::system::error_code& ec) {
  std::string reason;
  while (unsigned long e = ERR_get_error()) {
    char text[256];
    ERR_error_string_n(e, text, sizeof text);
    reason = text;
  }
  if (reason.empty()) reason = ec ? ec.message() : "unknown OpenSSL error";
  return reason;
}

std::string name_text(const X509_NAME* name) {
  BIO* bio = BIO_new(BIO_s_mem());
  if (!bio) return {};
  X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  std::string text(data, size > 0 ? static_cast<size_t>(size) : 0);
  BIO_free(bio);
  return text;
}

CertificateSummary summarize(const X509* cert) {
  CertificateSummary summary;
  if (!cert) return summary;
  summary.subject = name_text(X509_get_subject_name(cert));
  summary.issuer = name_text(X509_get_issuer_name(cert));
  if (BIGNUM* serial = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr)) {
    if (char* hex = BN_bn2hex(serial)) {
      summary.serial = hex;
      OPENSSL_free(hex);
    }
    BN_free(serial);
  }
  std::tm tm{};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm) == 1) {
    summary.not_after_unix = static_cast<int64_t>(timegm(&tm));
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
    summary.not_after = text;
  }
  return summary;
}

struct Built {
  std::shared_ptr<ssl::context> context;
  CertificateSummary certificate;
};

// A server context from the files of `config`, or what is wrong with them.
Result<Built, std::string> build_context(const TlsConfig& config) {
  // Read first, so that a missing file says so plainly, and so that the
  // certificate and the key are read within microseconds of each other.
  std::string cert_pem, key_pem, ca_pem;
  if (auto ec = read_file(config.cert_file, cert_pem)) {
    return fail("cannot read the certificate " + config.cert_file + ": " + ec.message());
  }
  if (auto ec = read_file(config.key_file, key_pem)) {
    return fail("cannot read the key " + config.key_file + ": " + ec.message());
  }
  if (!config.client_ca_file.empty()) {
    if (auto ec = read_file(config.client_ca_file, ca_pem)) {
      return fail("cannot read the client CA " + config.client_ca_file + ": " + ec.message());
    }
  }

  ERR_clear_error();
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = context->native_handle();
  boost::system::error_code ec;
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1) {
    return fail("cannot configure TLS: " + take_openssl_error(ec));
  }
  // No renegotiation (a DoS lever with no use here), no compression (CRIME),
  // the server's cipher order.
  context->set_options(ssl::context::default_workarounds | ssl::context::no_compression |
                       SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);

  context->use_certificate_chain(asio::buffer(cert_pem), ec);
  if (ec)
    return fail("cannot use the certificate " + config.cert_file + ": " + take_openssl_error(ec));
  context->use_private_key(asio::buffer(key_pem), ssl::context::pem, ec);
  if (ec) return fail("cannot use the key " + config.key_file + ": " + take_openssl_error(ec));
  if (SSL_CTX_check_private_key(native) != 1) {
    return fail("the key " + config.key_file + " does not match the certificate " +
                config.cert_file + ": " + take_openssl_error(ec));
  }

  if (!config.client_ca_file.empty()) {
    context->add_certificate_authority(asio::buffer(ca_pem), ec);
    if (ec) {
      return fail("cannot use the client CA " + config.client_ca_file + ": " +
                  take_openssl_error(ec));
    }
    // Tell clients which CAs are accepted (curl and OpenSSL pick their
    // certificate by it).
    if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(config.client_ca_file.c_str())) {
      SSL_CTX_set_client_CA_list(native, names);
    }
    context->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
    SSL_CTX_set_session_id_context(native, kSessionIdContext, sizeof kSessionIdContext - 1);
  }
  return Built{context, summarize(SSL_CTX_get0_certificate(native))};
}

void warn_if_expired(const TlsConfig& config, const CertificateSummary& certificate) {
  if (certificate.not_after_unix != 0 && certificate.not_after_unix < std::time(nullptr)) {
    spdlog::warn("the TLS certificate {} expired at {}: clients will refuse it", config.cert_file,
                 certificate.not_after);
  }
}

}  // namespace

TlsContext::TlsContext(TlsConfig config, Metrics& metrics)
    : config_(std::move(config)), metrics_(metrics) {
  metrics_.declare_counter(std::string(kReloads),
                           "TLS certificate reloads that took effect (files changed, or SIGHUP)");
  metrics_.declare_counter(std::string(kReloadFailures),
                           "TLS certificate reloads refused (the current certificate stayed)");
  metrics_.declare_counter(std::string(kHandshakeFailures), "TLS handshakes that failed");
  metrics_.add_gauge("moss_tls_certificate_expiry_timestamp_seconds",
                     "When the served TLS certificate expires (Unix time)",
                     [this] { return static_cast<double>(not_after_unix_.load()); });
}

Result<std::unique_ptr<TlsContext>, std::string> TlsContext::load(const TlsConfig& config,
                                                                  Metrics& metrics) {
  std::unique_ptr<TlsContext> tls(new TlsContext(config, metrics));
  std::string error;
  if (tls->rebuild(tls->identify_files(), true, &error) != ReloadOutcome::kReloaded) {
    return fail(error);
  }
  return tls;
}

std::shared_ptr<ssl::context> TlsContext::current() const {
  MutexLock lock(mutex_);
  return context_;
}

CertificateSummary TlsContext::certificate() const {
  MutexLock lock(mutex_);
  return certificate_;
}

std::vector<std::string> TlsContext::watched_files() const {
  std::vector<std::string> files = {config_.cert_file, config_.key_file};
  if (!config_.client_ca_file.empty()) files.push_back(config_.client_ca_file);
  return files;
}

std::vector<TlsContext::FileIdentity> TlsContext::identify_files() const {
  std::vector<FileIdentity> identities;
  for (const auto& file : watched_files()) {
    struct stat st {};
    // stat, not lstat: a Secret volume's file is a symlink into the current
    // ..data directory, and a rotation swaps what it resolves to.
    if (::stat(file.c_str(), &st) != 0) return {};
    identities.push_back(
        {st.st_dev, st.st_ino, st.st_size,
         static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec});
  }
  return identities;
}

TlsContext::ReloadOutcome TlsContext::reload_if_changed() {
  auto identities = identify_files();
  if (identities.empty() || identities == last_identities_) return ReloadOutcome::kUnchanged;
  return rebuild(std::move(identities), false, nullptr);
}

TlsContext::ReloadOutcome TlsContext::reload() { return rebuild(identify_files(), false, nullptr); }

TlsContext::ReloadOutcome TlsContext::rebuild(std::vector<FileIdentity> identities, bool initial,
                                              std::string* error) {
  // Identities taken before reading: a file replaced while it is read is
  // seen as changed on the next poll and read again.
  last_identities_ = std::move(identities);
  auto built = build_context(config_);
  if (!built) {
    if (error) *error = built.error();
    if (!initial) {
      metrics_.count(kReloadFailures);
      CertificateSummary kept = certificate();
      spdlog::error(
          "TLS certificate files changed but cannot be used; keeping the current certificate "
          "(subject {}, serial {}, expires {}): {}",
          kept.subject, kept.serial, kept.not_after, built.error());
    }
    return ReloadOutcome::kFailed;
  }
  const CertificateSummary& summary = built->certificate;
  {
    MutexLock lock(mutex_);
    context_ = std::move(built->context);
    certificate_ = summary;
  }
  not_after_unix_.store(summary.not_after_unix, std::memory_order_relaxed);
  if (!initial) metrics_.count(kReloads);
  spdlog::info("TLS certificate {} {}: subject {}, issuer {}, serial {}, expires {}",
               config_.cert_file, initial ? "loaded" : "reloaded", summary.subject, summary.issuer,
               summary.serial, summary.not_after);
  if (initial && !config_.client_ca_file.empty()) {
    spdlog::info("TLS clients must present a certificate signed by a CA in {}",
                 config_.client_ca_file);
  }
  warn_if_expired(config_, summary);
  return ReloadOutcome::kReloaded;
}

void TlsContext::count_handshake_failure() { metrics_.count(kHandshakeFailures); }

}  // namespace moss::http
