// The SMTP client's OpenSSL context (Postfix's tls_client.c side of
// smtp(8)): CA certificates and the client certificate loaded at start-up
// (before the sandbox closes the file system), the protocol and cipher
// settings of each security level, SNI, reference names for the host
// check, and a TLS session cache so that repeat connections to a server
// resume instead of doing a full handshake.
#pragma once

#include <openssl/ssl.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "delivery-svc/tls/tls_policy.h"
#include "delivery-svc/tls/tls_stream.h"

namespace mxd {

struct TlsClientSettings {
  std::string protocols = ">=TLSv1.2";            // smtp_tls_protocols (level may)
  std::string mandatory_protocols = ">=TLSv1.2";  // smtp_tls_mandatory_protocols
  std::string ciphers = "medium";                 // smtp_tls_ciphers
  std::string mandatory_ciphers = "medium";       // smtp_tls_mandatory_ciphers
  std::string exclude_ciphers;                    // smtp_tls_exclude_ciphers
  std::string mandatory_exclude_ciphers;          // smtp_tls_mandatory_exclude_ciphers
  std::string ca_file;                            // smtp_tls_CAfile
  std::string ca_path;                            // smtp_tls_CApath
  bool append_default_ca = false;                 // tls_append_default_CA
  std::string cert_file;                          // smtp_tls_cert_file
  std::string key_file;                           // smtp_tls_key_file
  std::string servername = "hostname";            // smtp_tls_servername
  absl::Duration session_cache_timeout = absl::Seconds(3600);
  size_t session_cache_limit = 20000;
};

class TlsClientContext {
 public:
  static absl::StatusOr<std::unique_ptr<TlsClientContext>> Create(const TlsClientSettings& settings);
  ~TlsClientContext();

  // A TLS stream for one connection to `mx_host` (`cache_key` names the
  // server and policy for the session cache) under `policy`.
  absl::StatusOr<std::unique_ptr<TlsStream>> NewStream(const TlsPolicy& policy,
                                                       absl::string_view nexthop_domain,
                                                       absl::string_view mx_host,
                                                       const std::string& cache_key);

  uint64_t sessions_cached() const;

 private:
  TlsClientContext() = default;
  static int OnNewSession(SSL* ssl, SSL_SESSION* session);
  void Store(const std::string& key, SSL_SESSION* session);
  SSL_SESSION* Lookup(const std::string& key);

  TlsClientSettings settings_;
  SSL_CTX* ctx_ = nullptr;
  std::string cipher_list_[2];  // [opportunistic, mandatory]
  int min_version_[2] = {0, 0};
  int max_version_[2] = {0, 0};

  // std::mutex rather than absl::Mutex: Debian's Abseil is not built for
  // ThreadSanitizer, which then cannot see absl::Mutex ordering.
  mutable std::mutex mu_;
  absl::flat_hash_map<std::string, SSL_SESSION*> sessions_;  // guarded by mu_
};

}  // namespace mxd
