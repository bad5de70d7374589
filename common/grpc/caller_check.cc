#include "common/grpc/caller_check.h"

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "absl/strings/str_cat.h"
#include "common/log/json_log.h"
#include "common/text/printable.h"

namespace mxd {
namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct StackFree {
  void operator()(STACK_OF(X509) * s) const { sk_X509_pop_free(s, X509_free); }
};
struct StoreCtxFree {
  void operator()(X509_STORE_CTX* c) const { X509_STORE_CTX_free(c); }
};

std::string Property(const grpc::AuthContext& auth, const char* name) {
  for (const grpc::string_ref& v : auth.FindPropertyValues(name)) return std::string(v.data(), v.size());
  return "";
}

std::string Subject(X509* cert) {
  char buf[512];
  X509_NAME_oneline(X509_get_subject_name(cert), buf, sizeof(buf));
  return ValidUtf8(buf);
}

}  // namespace

absl::StatusOr<std::shared_ptr<const CallerCheck>> CallerCheck::FromPem(const std::string& ca_pem,
                                                                        std::string program) {
  X509_STORE* store = X509_STORE_new();
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(ca_pem.data(), static_cast<int>(ca_pem.size())));
  int added = 0;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    if (X509_STORE_add_cert(store, cert) == 1) ++added;
    X509_free(cert);
  }
  if (added == 0) {
    X509_STORE_free(store);
    return absl::InvalidArgumentError("--tls-client-ca holds no certificate");
  }
  return std::shared_ptr<const CallerCheck>(new CallerCheck(store, std::move(program)));
}

CallerCheck::~CallerCheck() { X509_STORE_free(store_); }

grpc::Status CallerCheck::Refuse(const grpc::ServerContextBase& context, absl::string_view subject,
                                 absl::string_view why) const {
  LogWarning("caller_refused",
             {{"program", program_}, {"caller", context.peer()}, {"subject", subject}, {"error", why}});
  return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, absl::StrCat("client certificate refused: ", why));
}

grpc::Status CallerCheck::Check(const grpc::ServerContextBase& context) const {
  std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  const std::string pem = auth ? Property(*auth, "x509_pem_cert") : "";
  if (pem.empty()) return Refuse(context, "", "no client certificate");
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  std::unique_ptr<X509, X509Free> cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) return Refuse(context, "", "unreadable client certificate");
  const std::string subject = Subject(cert.get());
  // The intermediates the client sent, untrusted: only the CA file is.
  std::unique_ptr<STACK_OF(X509), StackFree> chain(sk_X509_new_null());
  const std::string chain_pem = Property(*auth, "x509_pem_cert_chain");
  std::unique_ptr<BIO, BioFree> chain_bio(
      BIO_new_mem_buf(chain_pem.data(), static_cast<int>(chain_pem.size())));
  while (X509* c = PEM_read_bio_X509(chain_bio.get(), nullptr, nullptr, nullptr))
    sk_X509_push(chain.get(), c);
  std::unique_ptr<X509_STORE_CTX, StoreCtxFree> ctx(X509_STORE_CTX_new());
  if (!ctx || X509_STORE_CTX_init(ctx.get(), store_, cert.get(), chain.get()) != 1) {
    return Refuse(context, subject, "cannot check the certificate");
  }
  X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_CLIENT);
  if (X509_verify_cert(ctx.get()) != 1) {
    return Refuse(context, subject, X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get())));
  }
  return grpc::Status::OK;
}

}  // namespace mxd
