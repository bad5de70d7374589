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

namespace mxd {

class CallerCheck {
 public:
  // `ca_pem`: the client CA file's contents (one or more certificates).
  static absl::StatusOr<std::shared_ptr<const CallerCheck>> FromPem(const std::string& ca_pem,
                                                                    std::string program);
  ~CallerCheck();

  // OK, or UNAUTHENTICATED after a "caller_refused" log line.
  grpc::Status Check(const grpc::ServerContextBase& context) const;

 private:
  CallerCheck(X509_STORE* store, std::string program) : store_(store), program_(std::move(program)) {}
  grpc::Status Refuse(const grpc::ServerContextBase& context, absl::string_view subject,
                      absl::string_view why) const;

  X509_STORE* store_;
  std::string program_;
};

}  // namespace mxd
