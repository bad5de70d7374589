#include "common/grpc/caller_check.h"

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "absl/strings/str_cat.h"
#include "common/io/whole_file.h"
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

absl::StatusOr<CallerCheck::Store> CallerCheck::StoreFromPem(const std::string& ca_pem) {
  Store store(X509_STORE_new(), X509_STORE_free);
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(ca_pem.data(), static_cast<int>(ca_pem.size())));
  int added = 0;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    if (X509_STORE_add_cert(store.get(), cert) == 1) ++added;
    X509_free(cert);
  }
  if (added == 0) return absl::InvalidArgumentError("--tls-client-ca holds no certificate");
  return store;
}

absl::StatusOr<std::shared_ptr<const CallerCheck>> CallerCheck::FromPem(const std::string& ca_pem,
                                                                        std::string program) {
  absl::StatusOr<Store> store = StoreFromPem(ca_pem);
  if (!store.ok()) return store.status();
  return std::shared_ptr<const CallerCheck>(new CallerCheck(*std::move(store), std::move(program)));
}

absl::StatusOr<std::shared_ptr<const CallerCheck>> CallerCheck::FromFile(const std::string& ca_file,
                                                                         std::string program,
                                                                         absl::Duration reload_interval) {
  absl::StatusOr<std::string> pem = ReadWholeFile(ca_file);
  if (!pem.ok()) return pem.status();
  absl::StatusOr<Store> store = StoreFromPem(*pem);
  if (!store.ok()) return store.status();
  auto check = std::shared_ptr<CallerCheck>(new CallerCheck(*std::move(store), std::move(program)));
  check->ca_file_ = ca_file;
  check->reload_interval_ = reload_interval;
  absl::MutexLock lock(&check->mu_);
  check->ca_pem_ = *std::move(pem);
  check->next_read_ = absl::Now() + reload_interval;
  return std::shared_ptr<const CallerCheck>(std::move(check));
}

// Reads the CA file again when due. The file is small and read at most once
// per interval; callers meanwhile use the CA in force.
CallerCheck::Store CallerCheck::CurrentStore() const {
  absl::MutexLock lock(&mu_);
  if (ca_file_.empty() || reload_interval_ <= absl::ZeroDuration() || absl::Now() < next_read_) return store_;
  next_read_ = absl::Now() + reload_interval_;
  absl::StatusOr<std::string> pem = ReadWholeFile(ca_file_);
  if (pem.ok() && *pem == ca_pem_) return store_;
  absl::StatusOr<Store> store = pem.ok() ? StoreFromPem(*pem) : pem.status();
  if (!store.ok()) {
    LogWarning("tls_reload_failed", {{"program", program_},
                                     {"file", ca_file_},
                                     {"error", store.status().message()},
                                     {"keeping", "the client CA in use"}});
    return store_;
  }
  ca_pem_ = *std::move(pem);
  store_ = *std::move(store);
  LogInfo("tls_reloaded", {{"program", program_}, {"file", ca_file_}, {"what", "client CA"}});
  return store_;
}

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
  const Store store = CurrentStore();  // held until the check is done
  if (!ctx || X509_STORE_CTX_init(ctx.get(), store.get(), cert.get(), chain.get()) != 1) {
    return Refuse(context, subject, "cannot check the certificate");
  }
  X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_CLIENT);
  if (X509_verify_cert(ctx.get()) != 1) {
    return Refuse(context, subject, X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get())));
  }
  return grpc::Status::OK;
}

}  // namespace mxd
