// One TLS connection as a sans-I/O state machine over OpenSSL memory BIOs:
// it is fed the ciphertext read from the socket and gives the ciphertext to
// write, so the handshake and the records run inside the event loop with
// non-blocking sockets (smtp_connection.cc moves the bytes; the unit tests
// connect it to an in-memory server).
#pragma once

#include <openssl/ssl.h>

#include <string>

#include "absl/strings/string_view.h"
#include "delivery-svc/tls/tls_session_info.h"

namespace mxd {

class TlsStream {
 public:
  enum class State { kHandshaking, kOpen, kFailed, kClosed };

  // Takes ownership of a client SSL prepared by TlsClientContext.
  explicit TlsStream(SSL* ssl);
  ~TlsStream();
  TlsStream(const TlsStream&) = delete;
  TlsStream& operator=(const TlsStream&) = delete;

  // Ciphertext received from the server.
  void FeedCiphertext(absl::string_view data);
  // Advances the handshake, then decrypts what it can into *plaintext
  // (appended). Call after FeedCiphertext and at the start.
  State Drive(std::string* plaintext);
  // Encrypts application data into ciphertext_out().
  bool Write(absl::string_view plaintext);
  // Ciphertext to send; the caller removes what it wrote.
  std::string& ciphertext_out() { return out_; }

  State state() const { return state_; }
  const TlsSessionInfo& info() const { return info_; }
  // Why the handshake or the connection failed (OpenSSL's words).
  const std::string& error() const { return error_; }

  // Installed by TlsClientContext: records chain and name errors without
  // stopping the handshake, so that the policy decides afterwards (and the
  // reason can say what was wrong).
  static int VerifyCallback(int preverify_ok, X509_STORE_CTX* ctx);
  static int ExDataIndex();

 private:
  void FlushOutput();
  void Fail(int ssl_error);
  void CollectInfo();

  SSL* ssl_;
  BIO* in_;       // network -> OpenSSL (owned by ssl_)
  BIO* out_bio_;  // OpenSSL -> network (owned by ssl_)
  std::string out_;
  State state_ = State::kHandshaking;
  TlsSessionInfo info_;
  std::string error_;
  // Filled by VerifyCallback during the handshake.
  int first_chain_error_ = 0;
  bool name_mismatch_ = false;
};

}  // namespace mxd
