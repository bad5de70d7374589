// In-memory certificates for TLS unit tests (OpenSSL API): a CA, server
// certificates it signs (valid, expired, for other names), PEM files in a
// temporary directory for TlsClientContext, and a server SSL_CTX.
#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <string>
#include <vector>

namespace mxd::testing {

inline EVP_PKEY* NewKey() { return EVP_EC_gen("P-256"); }

inline X509* NewCert(const std::string& cn, const std::vector<std::string>& dns, EVP_PKEY* key, X509* issuer,
                     EVP_PKEY* issuer_key, long not_before_days, long not_after_days, bool ca) {
  X509* c = X509_new();
  X509_set_version(c, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(c), static_cast<long>(rand()));
  X509_gmtime_adj(X509_getm_notBefore(c), not_before_days * 86400);
  X509_gmtime_adj(X509_getm_notAfter(c), not_after_days * 86400);
  X509_set_pubkey(c, key);
  X509_NAME* name = X509_get_subject_name(c);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1,
                             -1, 0);
  X509_set_issuer_name(c, issuer ? X509_get_subject_name(issuer) : name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer ? issuer : c, c, nullptr, nullptr, 0);
  auto add = [&](int nid, const std::string& value) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    X509_add_ext(c, ext, -1);
    X509_EXTENSION_free(ext);
  };
  if (ca) {
    add(NID_basic_constraints, "critical,CA:TRUE");
    add(NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    std::string san;
    for (const std::string& d : dns) san += (san.empty() ? "DNS:" : ",DNS:") + d;
    if (!san.empty()) add(NID_subject_alt_name, san);
  }
  X509_sign(c, issuer_key ? issuer_key : key, EVP_sha256());
  return c;
}

inline void WritePem(const std::string& path, X509* cert) {
  FILE* f = fopen(path.c_str(), "w");
  PEM_write_X509(f, cert);
  fclose(f);
}

struct TestPki {
  EVP_PKEY* ca_key = NewKey();
  X509* ca = NewCert("mxd unit CA", {}, ca_key, nullptr, nullptr, -1, 30, true);
  std::string dir;

  TestPki() {
    char tmpl[] = "/tmp/mxd-tls-unit-XXXXXX";
    dir = mkdtemp(tmpl);
    WritePem(ca_file(), ca);
  }
  ~TestPki() {
    X509_free(ca);
    EVP_PKEY_free(ca_key);
    std::remove(ca_file().c_str());
    rmdir(dir.c_str());
  }
  std::string ca_file() const { return dir + "/ca.pem"; }

  // A server context presenting a certificate for `dns` (self-signed when
  // `self_signed`), valid from `from` to `to` days from now.
  SSL_CTX* Server(const std::vector<std::string>& dns, long from = -1, long to = 30,
                  bool self_signed = false) {
    EVP_PKEY* key = NewKey();
    X509* cert = self_signed ? NewCert(dns[0], dns, key, nullptr, nullptr, from, to, false)
                             : NewCert(dns[0], dns, key, ca, ca_key, from, to, false);
    SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
    SSL_CTX_use_certificate(ctx, cert);
    SSL_CTX_use_PrivateKey(ctx, key);
    X509_free(cert);
    EVP_PKEY_free(key);
    return ctx;
  }
};

}  // namespace mxd::testing
