#include "delivery-svc/tls/tls_stream.h"

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "absl/strings/str_cat.h"

namespace mxd {

int TlsStream::ExDataIndex() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

int TlsStream::VerifyCallback(int preverify_ok, X509_STORE_CTX* ctx) {
  if (preverify_ok) return 1;
  auto* ssl = static_cast<SSL*>(X509_STORE_CTX_get_ex_data(ctx, SSL_get_ex_data_X509_STORE_CTX_idx()));
  auto* self = ssl ? static_cast<TlsStream*>(SSL_get_ex_data(ssl, ExDataIndex())) : nullptr;
  if (self != nullptr) {
    const int err = X509_STORE_CTX_get_error(ctx);
    if (err == X509_V_ERR_HOSTNAME_MISMATCH) {
      self->name_mismatch_ = true;
    } else if (self->first_chain_error_ == 0) {
      self->first_chain_error_ = err;
    }
  }
  return 1;  // go on: the security level decides after the handshake
}

TlsStream::TlsStream(SSL* ssl) : ssl_(ssl) {
  in_ = BIO_new(BIO_s_mem());
  out_bio_ = BIO_new(BIO_s_mem());
  BIO_set_mem_eof_return(in_, -1);  // empty means "more to come", not EOF
  SSL_set_bio(ssl_, in_, out_bio_);
  SSL_set_ex_data(ssl_, ExDataIndex(), this);
}

TlsStream::~TlsStream() {
  // SSL_free marks the session unresumable unless the connection was shut
  // down; a connection that ended without a TLS error keeps its session
  // for the cache (as Postfix's tls_client_stop does).
  if (state_ == State::kOpen || state_ == State::kClosed) {
    SSL_set_shutdown(ssl_, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
  }
  SSL_free(ssl_);
}

void TlsStream::FeedCiphertext(absl::string_view data) {
  if (!data.empty()) BIO_write(in_, data.data(), static_cast<int>(data.size()));
}

void TlsStream::FlushOutput() {
  char buf[16384];
  int n;
  while ((n = BIO_read(out_bio_, buf, sizeof(buf))) > 0) out_.append(buf, static_cast<size_t>(n));
}

void TlsStream::Fail(int ssl_error) {
  state_ = State::kFailed;
  std::string why;
  for (unsigned long e = ERR_get_error(); e != 0; e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof(buf));
    if (why.empty()) why = ERR_reason_error_string(e) ? ERR_reason_error_string(e) : buf;
  }
  if (why.empty()) why = ssl_error == SSL_ERROR_SYSCALL ? "unexpected end of data" : "protocol error";
  error_ = why;
}

void TlsStream::CollectInfo() {
  info_.used = true;
  info_.protocol = SSL_get_version(ssl_);
  info_.cipher = SSL_get_cipher_name(ssl_);
  info_.cipher_bits = SSL_get_cipher_bits(ssl_, nullptr);
  info_.resumed = SSL_session_reused(ssl_) == 1;
  X509* cert = SSL_get1_peer_certificate(ssl_);
  if (cert != nullptr) {
    char cn[256] = {};
    if (X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof(cn) - 1) > 0) {
      info_.peer_cn = cn;
    }
    X509_free(cert);
  }
  const X509_VERIFY_PARAM* param = SSL_get0_param(ssl_);
  info_.names_checked = X509_VERIFY_PARAM_get0_host(const_cast<X509_VERIFY_PARAM*>(param), 0) != nullptr;
  const long result = SSL_get_verify_result(ssl_);
  if (cert == nullptr && !info_.resumed) {
    info_.trust_error = "no server certificate";
  } else if (first_chain_error_ != 0) {
    info_.trust_error = X509_verify_cert_error_string(first_chain_error_);
  } else if (result != X509_V_OK && result != X509_V_ERR_HOSTNAME_MISMATCH) {
    info_.trust_error = X509_verify_cert_error_string(result);
  }
  info_.trusted = info_.trust_error.empty();
  info_.matched = info_.names_checked && !name_mismatch_ && result != X509_V_ERR_HOSTNAME_MISMATCH;
}

TlsStream::State TlsStream::Drive(std::string* plaintext) {
  if (state_ == State::kHandshaking) {
    const int r = SSL_do_handshake(ssl_);
    if (r == 1) {
      state_ = State::kOpen;
      CollectInfo();
    } else {
      const int err = SSL_get_error(ssl_, r);
      if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) Fail(err);
    }
  }
  if (state_ == State::kOpen) {
    char buf[16384];
    for (;;) {
      const int n = SSL_read(ssl_, buf, sizeof(buf));
      if (n > 0) {
        plaintext->append(buf, static_cast<size_t>(n));
        continue;
      }
      const int err = SSL_get_error(ssl_, n);
      if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) break;
      if (err == SSL_ERROR_ZERO_RETURN) {
        state_ = State::kClosed;  // close_notify
      } else {
        Fail(err);
      }
      break;
    }
  }
  FlushOutput();
  return state_;
}

bool TlsStream::Write(absl::string_view plaintext) {
  if (state_ != State::kOpen) return false;
  while (!plaintext.empty()) {
    const int n =
        SSL_write(ssl_, plaintext.data(), static_cast<int>(std::min<size_t>(plaintext.size(), 1 << 20)));
    if (n <= 0) {
      Fail(SSL_get_error(ssl_, n));
      FlushOutput();
      return false;
    }
    plaintext.remove_prefix(static_cast<size_t>(n));
  }
  FlushOutput();
  return true;
}

}  // namespace mxd
