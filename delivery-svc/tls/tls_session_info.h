// What a TLS handshake established, without OpenSSL types: carried in
// outcomes and logs.
#pragma once

#include <string>

namespace mxd {

// What the handshake established, for outcomes and logs (Postfix's
// "Verified TLS connection established to host[ip]:25: TLSv1.3 with
// cipher TLS_AES_256_GCM_SHA384 (256/256 bits)").
struct TlsSessionInfo {
  bool used = false;
  std::string protocol;  // "TLSv1.3"
  std::string cipher;    // "TLS_AES_256_GCM_SHA384"
  int cipher_bits = 0;
  bool trusted = false;        // the chain verified against our CAs
  bool names_checked = false;  // reference names were given (verify, secure)
  bool matched = false;        // a reference name matched the certificate
  std::string trust_error;     // why the chain is not trusted ("certificate has expired")
  std::string peer_cn;         // the certificate's subject CN, for logs
  bool resumed = false;        // an earlier session was resumed

  // Postfix's words: "Verified", "Trusted", "Untrusted" or "Anonymous".
  std::string Verification() const {
    if (!used) return "";
    if (trusted && names_checked && matched) return "Verified";
    if (trusted) return "Trusted";
    return "Untrusted";
  }
};

}  // namespace mxd
