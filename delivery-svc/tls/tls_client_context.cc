#include "delivery-svc/tls/tls_client_context.h"

#include <dirent.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <cstdio>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/nexthop/ip_literal.h"
#include "delivery-svc/tls/tls_protocols.h"

namespace mxd {
namespace {

std::string OpenSslError(absl::string_view what) {
  std::string why;
  for (unsigned long e = ERR_get_error(); e != 0; e = ERR_get_error()) {
    if (why.empty() && ERR_reason_error_string(e) != nullptr) why = ERR_reason_error_string(e);
  }
  return why.empty() ? std::string(what) : absl::StrCat(what, ": ", why);
}

// smtp_tls_exclude_ciphers and exclude=: each name removed from the list.
void AppendExclusions(absl::string_view names, std::string* ciphers) {
  for (absl::string_view x : absl::StrSplit(names, absl::ByAnyChar(", \t:"), absl::SkipEmpty())) {
    absl::StrAppend(ciphers, ":!", x);
  }
}

int CacheKeyIndex() {
  static const int index = SSL_get_ex_new_index(
      0, nullptr, nullptr, nullptr,
      [](void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) { delete static_cast<std::string*>(ptr); });
  return index;
}

// smtp_tls_CApath: every certificate file in the directory, loaded now.
// (OpenSSL's hash-directory lookup opens files during each handshake,
// which the seccomp filter does not allow.)
absl::Status LoadCaDirectory(X509_STORE* store, const std::string& dir) {
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return absl::NotFoundError(absl::StrCat("smtp_tls_CApath: cannot open directory ", dir));
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    const std::string path = absl::StrCat(dir, "/", e->d_name);
    FILE* f = fopen(path.c_str(), "r");
    if (f == nullptr) continue;
    while (X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr)) {
      X509_STORE_add_cert(store, cert);  // duplicates (hash links) are ignored
      X509_free(cert);
    }
    ERR_clear_error();  // non-certificate files
    fclose(f);
  }
  closedir(d);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<TlsClientContext>> TlsClientContext::Create(const TlsClientSettings& s) {
  std::unique_ptr<TlsClientContext> c(new TlsClientContext());
  c->settings_ = s;
  c->ctx_ = SSL_CTX_new(TLS_client_method());
  if (c->ctx_ == nullptr) return absl::InternalError(OpenSslError("SSL_CTX_new"));
  SSL_CTX_set_app_data(c->ctx_, c.get());

  const std::string* protocols[2] = {&s.protocols, &s.mandatory_protocols};
  const std::string* grades[2] = {&s.ciphers, &s.mandatory_ciphers};
  const std::string* excludes[2] = {&s.exclude_ciphers, &s.mandatory_exclude_ciphers};
  const char* names[2] = {"smtp_tls_protocols", "smtp_tls_mandatory_protocols"};
  for (int i = 0; i < 2; ++i) {
    absl::StatusOr<TlsProtocolRange> r = ParseTlsProtocols(*protocols[i]);
    if (!r.ok()) return absl::InvalidArgumentError(absl::StrCat(names[i], ": ", r.status().message()));
    c->min_version_[i] = r->min_version;
    c->max_version_[i] = r->max_version;
    absl::StatusOr<std::string> list = CipherGradeList(*grades[i]);
    if (!list.ok()) return list.status();
    c->cipher_list_[i] = *list;
    AppendExclusions(*excludes[i], &c->cipher_list_[i]);
    if (SSL_CTX_set_cipher_list(c->ctx_, c->cipher_list_[i].c_str()) != 1) {
      return absl::InvalidArgumentError(
          OpenSslError(absl::StrCat("cipher list \"", c->cipher_list_[i], "\"")));
    }
  }

  X509_STORE* store = SSL_CTX_get_cert_store(c->ctx_);
  if (!s.ca_file.empty() && SSL_CTX_load_verify_file(c->ctx_, s.ca_file.c_str()) != 1) {
    return absl::InvalidArgumentError(OpenSslError(absl::StrCat("smtp_tls_CAfile ", s.ca_file)));
  }
  if (!s.ca_path.empty()) {
    if (absl::Status st = LoadCaDirectory(store, s.ca_path); !st.ok()) return st;
  }
  if (s.append_default_ca) {
    // The system bundle as one file, for the same reason as LoadCaDirectory.
    const char* file = X509_get_default_cert_file();
    if (SSL_CTX_load_verify_file(c->ctx_, file) != 1) ERR_clear_error();
    if (absl::Status st = LoadCaDirectory(store, X509_get_default_cert_dir()); !st.ok()) ERR_clear_error();
  }
  if (!s.cert_file.empty()) {
    const std::string key = s.key_file.empty() ? s.cert_file : s.key_file;
    if (SSL_CTX_use_certificate_chain_file(c->ctx_, s.cert_file.c_str()) != 1) {
      return absl::InvalidArgumentError(OpenSslError(absl::StrCat("smtp_tls_cert_file ", s.cert_file)));
    }
    if (SSL_CTX_use_PrivateKey_file(c->ctx_, key.c_str(), SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(c->ctx_) != 1) {
      return absl::InvalidArgumentError(OpenSslError(absl::StrCat("smtp_tls_key_file ", key)));
    }
  }

  // Client-side session cache of our own (OpenSSL keeps none for clients):
  // sessions and TLS 1.3 tickets arrive through OnNewSession.
  SSL_CTX_set_session_cache_mode(c->ctx_, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
  SSL_CTX_sess_set_new_cb(c->ctx_, &TlsClientContext::OnNewSession);
  SSL_CTX_set_timeout(c->ctx_, static_cast<long>(absl::ToInt64Seconds(s.session_cache_timeout)));
  // Memory BIOs: let a record be written in parts (never with these BIOs,
  // but keeps SSL_write from failing on a partial write).
  SSL_CTX_set_mode(c->ctx_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  // SMTP ends with QUIT/221; many servers then close without close_notify.
  // That is not a truncation attack here, so not an error either.
  SSL_CTX_set_options(c->ctx_, SSL_OP_IGNORE_UNEXPECTED_EOF);
  return c;
}

TlsClientContext::~TlsClientContext() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [key, session] : sessions_) SSL_SESSION_free(session);
    sessions_.clear();
  }
  SSL_CTX_free(ctx_);
}

absl::StatusOr<std::unique_ptr<TlsStream>> TlsClientContext::NewStream(const TlsPolicy& policy,
                                                                       absl::string_view nexthop_domain,
                                                                       absl::string_view mx_host,
                                                                       const std::string& cache_key) {
  SSL* ssl = SSL_new(ctx_);
  if (ssl == nullptr) return absl::InternalError(OpenSslError("SSL_new"));
  const int m = policy.level >= TlsLevel::kEncrypt ? 1 : 0;
  int min_version = min_version_[m], max_version = max_version_[m];
  std::string ciphers = cipher_list_[m];
  if (!policy.protocols.empty()) {
    if (absl::StatusOr<TlsProtocolRange> r = ParseTlsProtocols(policy.protocols); r.ok()) {
      min_version = r->min_version;
      max_version = r->max_version;
    }
  }
  if (!policy.ciphers.empty()) {
    if (absl::StatusOr<std::string> list = CipherGradeList(policy.ciphers); list.ok()) ciphers = *list;
  }
  AppendExclusions(policy.exclude, &ciphers);
  SSL_set_min_proto_version(ssl, min_version);
  SSL_set_max_proto_version(ssl, max_version);
  SSL_set_cipher_list(ssl, ciphers.c_str());

  // SNI (smtp_tls_servername): never for address literals.
  std::string sni = absl::AsciiStrToLower(settings_.servername);
  if (sni == "hostname") sni = std::string(mx_host);
  if (sni == "nexthop") sni = std::string(nexthop_domain);
  if (!sni.empty() && absl::StrContains(sni, '.') && !IsIpAddress(sni)) {
    SSL_set_tlsext_host_name(ssl, sni.c_str());
  }

  // The host check at verify and secure: OpenSSL matches the names
  // (".example.com" = any subdomain), never partial wildcards.
  if (policy.level >= TlsLevel::kVerify) {
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    for (const std::string& name : CertificateNames(policy, nexthop_domain, mx_host)) {
      X509_VERIFY_PARAM_add1_host(param, name.c_str(), name.size());
    }
  }
  SSL_set_verify(ssl, SSL_VERIFY_NONE, &TlsStream::VerifyCallback);
  SSL_set_connect_state(ssl);

  SSL_set_ex_data(ssl, CacheKeyIndex(), new std::string(cache_key));
  if (SSL_SESSION* cached = Lookup(cache_key)) {
    SSL_set_session(ssl, cached);
    SSL_SESSION_free(cached);
  }
  return std::make_unique<TlsStream>(ssl);
}

int TlsClientContext::OnNewSession(SSL* ssl, SSL_SESSION* session) {
  auto* self = static_cast<TlsClientContext*>(SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)));
  auto* key = static_cast<std::string*>(SSL_get_ex_data(ssl, CacheKeyIndex()));
  // smtp_tls_session_cache_timeout = 0 turns the cache off, as in Postfix.
  if (self == nullptr || key == nullptr || !SSL_SESSION_is_resumable(session) ||
      self->settings_.session_cache_timeout <= absl::ZeroDuration()) {
    return 0;
  }
  // A copy: OpenSSL marks the connection's own session unresumable when
  // that connection later fails, which must not spoil the cached one.
  SSL_SESSION* copy = SSL_SESSION_dup(session);
  if (copy != nullptr) self->Store(*key, copy);
  return 0;
}

void TlsClientContext::Store(const std::string& key, SSL_SESSION* session) {
  std::lock_guard<std::mutex> lock(mu_);
  if (sessions_.size() >= settings_.session_cache_limit && !sessions_.contains(key)) {
    // Full: drop expired sessions, or else an arbitrary one.
    const int64_t now = absl::ToUnixSeconds(absl::Now());
    for (auto it = sessions_.begin(); it != sessions_.end();) {
      SSL_SESSION* s = it->second;
      if (SSL_SESSION_get_time(s) + SSL_SESSION_get_timeout(s) < now) {
        SSL_SESSION_free(s);
        sessions_.erase(it++);
      } else {
        ++it;
      }
    }
    if (sessions_.size() >= settings_.session_cache_limit) {
      SSL_SESSION_free(sessions_.begin()->second);
      sessions_.erase(sessions_.begin());
    }
  }
  auto [it, inserted] = sessions_.try_emplace(key, session);
  if (!inserted) {
    SSL_SESSION_free(it->second);
    it->second = session;
  }
}

SSL_SESSION* TlsClientContext::Lookup(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = sessions_.find(key);
  if (it == sessions_.end()) return nullptr;
  SSL_SESSION* s = it->second;
  if (SSL_SESSION_get_time(s) + SSL_SESSION_get_timeout(s) < absl::ToUnixSeconds(absl::Now())) {
    SSL_SESSION_free(s);
    sessions_.erase(it);
    return nullptr;
  }
  // A copy again: OpenSSL treats a TLS 1.3 session it resumed with as
  // used up, while the server (Postfix's smtpd among them) may send no new
  // ticket; the cached one stays usable until it expires.
  return SSL_SESSION_dup(s);
}

uint64_t TlsClientContext::sessions_cached() const {
  std::lock_guard<std::mutex> lock(mu_);
  return sessions_.size();
}

}  // namespace mxd
