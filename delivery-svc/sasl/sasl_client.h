// SMTP AUTH client mechanisms through GNU SASL (Postfix's smtp_sasl_glue.c):
// which mechanism to use among those a server offers (security options,
// smtp_sasl_mechanism_filter, the library's own ranking), and the
// challenge/response steps of one authentication. The exchange is pure
// computation (base64 in, base64 out): the session stays sans-I/O.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

struct Gsasl;
struct Gsasl_session;

namespace mxd {

// smtp_sasl_security_options / smtp_sasl_tls_security_options, as Cyrus
// SASL defines them for the mechanisms mxd supports.
struct SaslSecurityOptions {
  bool noplaintext = false;   // no PLAIN, LOGIN
  bool noanonymous = false;   // no ANONYMOUS
  bool nodictionary = false;  // none open to offline dictionary attacks
  bool noactive = false;      // none open to active attacks
  bool mutual_auth = false;   // only mechanisms that prove the server knows the password

  static absl::StatusOr<SaslSecurityOptions> Parse(const std::vector<std::string>& words);
  bool Allows(absl::string_view mechanism) const;
};

struct SaslCredentials {
  std::string user;
  std::string password;
};

// One authentication in progress.
class SaslExchange {
 public:
  ~SaslExchange();
  SaslExchange(const SaslExchange&) = delete;
  SaslExchange& operator=(const SaslExchange&) = delete;

  const std::string& mechanism() const { return mechanism_; }
  // The initial response for "AUTH MECH <response>" ("=" when empty).
  absl::StatusOr<std::string> InitialResponse();
  // The response to a 334 challenge (base64 both ways). The status names
  // the problem without any credential in it.
  absl::StatusOr<std::string> Respond(absl::string_view challenge_base64);

 private:
  friend class SaslClient;
  SaslExchange() = default;
  Gsasl_session* session_ = nullptr;
  std::string mechanism_;
};

// Process-wide, created at start-up; Start() may be called from any thread.
class SaslClient {
 public:
  static absl::StatusOr<std::unique_ptr<SaslClient>> Create();
  ~SaslClient();

  // The mechanism to use: offered by the server, kept by `filter` (empty:
  // all), allowed by `options`, supported by the library; the strongest by
  // GNU SASL's ranking. "" when none is left.
  std::string Choose(const std::vector<std::string>& offered, const std::vector<std::string>& filter,
                     const SaslSecurityOptions& options) const;
  absl::StatusOr<std::unique_ptr<SaslExchange>> Start(const std::string& mechanism,
                                                      const SaslCredentials& creds,
                                                      absl::string_view server_host) const;

 private:
  SaslClient() = default;
  Gsasl* ctx_ = nullptr;
};

}  // namespace mxd
