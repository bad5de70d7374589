// Who may call (mutual TLS): a client certificate that chains to the
// --tls-client-ca. gRPC asks every caller for a certificate but leaves the
// verdict to this check (OpenSSL's X509_verify_cert), so that a refused
// caller gets UNAUTHENTICATED and a log line naming its address and
// certificate subject, instead of a failed handshake nobody can trace.
#pragma once

#include <grpcpp/grpcpp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace mxd {

class CallerCheck {
 public:
  // `ca_pem`: the client CA file's contents (one or more certificates).
  static absl::StatusOr<std::shared_ptr<const CallerCheck>> FromPem(const std::string& ca_pem,
                                                                    std::string program);
  // The same from the file `ca_file`, read again at most every
  // `reload_interval` when that is not zero (grpc_tls_reload_interval): a
  // changed CA applies to the next callers; one without certificates is
  // refused with a warning, keeping the CA in use.
  static absl::StatusOr<std::shared_ptr<const CallerCheck>> FromFile(const std::string& ca_file,
                                                                     std::string program,
                                                                     absl::Duration reload_interval);

  // OK, or UNAUTHENTICATED after a "caller_refused" log line.
  grpc::Status Check(const grpc::ServerContextBase& context) const;

 private:
  using Store = std::shared_ptr<X509_STORE>;
  CallerCheck(Store store, std::string program) : store_(std::move(store)), program_(std::move(program)) {}
  static absl::StatusOr<Store> StoreFromPem(const std::string& ca_pem);
  Store CurrentStore() const;
  grpc::Status Refuse(const grpc::ServerContextBase& context, absl::string_view subject,
                      absl::string_view why) const;

  mutable absl::Mutex mu_;
  mutable Store store_ ABSL_GUARDED_BY(mu_);
  const std::string program_;
  // Reloading (FromFile with an interval).
  std::string ca_file_;
  absl::Duration reload_interval_;
  mutable std::string ca_pem_ ABSL_GUARDED_BY(mu_);
  mutable absl::Time next_read_ ABSL_GUARDED_BY(mu_);
};

}  // namespace mxd
