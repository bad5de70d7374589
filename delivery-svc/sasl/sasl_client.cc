#include "delivery-svc/sasl/sasl_client.h"

#include <gsasl.h>

#include <algorithm>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace mxd {

absl::StatusOr<SaslSecurityOptions> SaslSecurityOptions::Parse(const std::vector<std::string>& words) {
  SaslSecurityOptions o;
  for (const std::string& w : words) {
    const std::string x = absl::AsciiStrToLower(w);
    if (x == "noplaintext") {
      o.noplaintext = true;
    } else if (x == "noanonymous") {
      o.noanonymous = true;
    } else if (x == "nodictionary") {
      o.nodictionary = true;
    } else if (x == "noactive") {
      o.noactive = true;
    } else if (x == "mutual_auth") {
      o.mutual_auth = true;
    } else if (x == "forward_secrecy") {
      // No supported mechanism offers it: nothing would be left.
      o.mutual_auth = o.nodictionary = true;
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown SASL security option \"", w,
          "\" (expected noplaintext, noanonymous, nodictionary, noactive, mutual_auth or forward_secrecy)"));
    }
  }
  return o;
}

bool SaslSecurityOptions::Allows(absl::string_view mechanism) const {
  const std::string m = absl::AsciiStrToUpper(mechanism);
  const bool plaintext = m == "PLAIN" || m == "LOGIN";
  const bool scram = absl::StartsWith(m, "SCRAM-");
  if (noplaintext && plaintext) return false;
  if (noanonymous && m == "ANONYMOUS") return false;
  // Cyrus SASL's flags: every password mechanism here can be attacked
  // offline; PLAIN, LOGIN, CRAM-MD5 and DIGEST-MD5 also actively.
  if (nodictionary && (plaintext || scram || m == "CRAM-MD5" || m == "DIGEST-MD5")) return false;
  if (noactive && (plaintext || m == "CRAM-MD5" || m == "DIGEST-MD5")) return false;
  if (mutual_auth && !scram && m != "DIGEST-MD5") return false;
  return true;
}

namespace {

// The mechanisms that authenticate with a user name and password, the only
// credentials smtp_sasl_password_maps holds. GNU SASL also offers GSSAPI,
// NTLM, SAML and others; a server naming them must not make us load
// Kerberos (tests/fuzz/session_fuzz saw libgssapi start up).
bool IsPasswordMechanism(absl::string_view m) {
  return m == "PLAIN" || m == "LOGIN" || m == "CRAM-MD5" || m == "DIGEST-MD5" || m == "SCRAM-SHA-1" ||
         m == "SCRAM-SHA-256";
}

}  // namespace

absl::StatusOr<std::unique_ptr<SaslClient>> SaslClient::Create() {
  std::unique_ptr<SaslClient> c(new SaslClient());
  const int rc = gsasl_init(&c->ctx_);
  if (rc != GSASL_OK) return absl::InternalError(absl::StrCat("GNU SASL: ", gsasl_strerror(rc)));
  return c;
}

SaslClient::~SaslClient() {
  if (ctx_ != nullptr) gsasl_done(ctx_);
}

std::string SaslClient::Choose(const std::vector<std::string>& offered,
                               const std::vector<std::string>& filter,
                               const SaslSecurityOptions& options) const {
  std::vector<std::string> usable;
  for (const std::string& m : offered) {
    const std::string upper = absl::AsciiStrToUpper(m);
    if (!filter.empty() && std::none_of(filter.begin(), filter.end(), [&](const std::string& f) {
          return absl::EqualsIgnoreCase(f, upper);
        })) {
      continue;
    }
    if (!IsPasswordMechanism(upper) || !options.Allows(upper) ||
        !gsasl_client_support_p(ctx_, upper.c_str())) {
      continue;
    }
    usable.push_back(upper);
  }
  if (usable.empty()) return "";
  const std::string list = absl::StrJoin(usable, " ");
  const char* best = gsasl_client_suggest_mechanism(ctx_, list.c_str());
  return best != nullptr ? std::string(best) : usable.front();
}

absl::StatusOr<std::unique_ptr<SaslExchange>> SaslClient::Start(const std::string& mechanism,
                                                                const SaslCredentials& creds,
                                                                absl::string_view server_host) const {
  std::unique_ptr<SaslExchange> x(new SaslExchange());
  x->mechanism_ = mechanism;
  const int rc = gsasl_client_start(ctx_, mechanism.c_str(), &x->session_);
  if (rc != GSASL_OK) {
    return absl::InternalError(
        absl::StrCat("cannot start SASL mechanism ", mechanism, ": ", gsasl_strerror(rc)));
  }
  gsasl_property_set(x->session_, GSASL_AUTHID, creds.user.c_str());
  gsasl_property_set(x->session_, GSASL_PASSWORD, creds.password.c_str());
  gsasl_property_set(x->session_, GSASL_SERVICE, "smtp");
  gsasl_property_set(x->session_, GSASL_HOSTNAME, std::string(server_host).c_str());
  return x;
}

SaslExchange::~SaslExchange() {
  if (session_ != nullptr) gsasl_finish(session_);
}

absl::StatusOr<std::string> SaslExchange::InitialResponse() { return Respond(""); }

absl::StatusOr<std::string> SaslExchange::Respond(absl::string_view challenge_base64) {
  // We decode and encode ourselves instead of gsasl_step64: its decoded
  // challenge is not NUL-terminated, and GNU SASL 2.2's mechanisms strdup()
  // parts of it, reading past the buffer on a hostile challenge (found by
  // tests/fuzz/session_fuzz under ASan). A std::string always ends in NUL.
  std::string challenge;
  if (!absl::Base64Unescape(challenge_base64, &challenge)) {
    return absl::InvalidArgumentError(absl::StrCat(mechanism_, ": the server's challenge is not base64"));
  }
  char* out = nullptr;
  size_t out_len = 0;
  const int rc = gsasl_step(session_, challenge.data(), challenge.size(), &out, &out_len);
  if (rc != GSASL_OK && rc != GSASL_NEEDS_MORE) {
    if (out != nullptr) gsasl_free(out);
    return absl::PermissionDeniedError(absl::StrCat(mechanism_, ": ", gsasl_strerror(rc)));
  }
  std::string response = out != nullptr ? std::string(out, out_len) : "";
  if (out != nullptr) gsasl_free(out);
  return absl::Base64Escape(response);
}

}  // namespace mxd
