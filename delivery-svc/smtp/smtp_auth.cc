#include "delivery-svc/smtp/smtp_auth.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace mxd {
namespace {

// Mechanisms whose first message comes from the client (RFC 4954 initial
// response); the others wait for the server's challenge.
bool ClientFirst(absl::string_view mech) {
  return mech == "PLAIN" || absl::StartsWith(mech, "SCRAM-") || mech == "ANONYMOUS" || mech == "EXTERNAL";
}

}  // namespace

SmtpAuth::Step SmtpAuth::Cannot(absl::string_view why) const {
  Step s;
  s.kind = Step::kFailed;
  s.failure = trouble::SaslCannot(peer_, why);
  return s;
}

SmtpAuth::Step SmtpAuth::Start(const std::vector<std::string>& offered, bool over_tls) {
  const SaslSecurityOptions& options = over_tls ? sec_.sasl_tls_options : sec_.sasl_options;
  const std::string mech = sec_.sasl->Choose(offered, sec_.mechanism_filter, options);
  if (mech.empty()) return Cannot("no mechanism available");
  absl::StatusOr<std::unique_ptr<SaslExchange>> x = sec_.sasl->Start(mech, sec_.credentials, peer_.host);
  if (!x.ok()) return Cannot(x.status().message());
  exchange_ = std::move(*x);
  Step s;
  if (!ClientFirst(mech)) {
    s.command = absl::StrCat("AUTH ", mech);
    return s;
  }
  absl::StatusOr<std::string> initial = exchange_->InitialResponse();
  if (!initial.ok()) return Cannot(initial.status().message());
  // Never in transcripts or logs: the response carries the password.
  s.command = absl::StrCat("AUTH ", mech, " ", initial->empty() ? "=" : *initial);
  s.shown = absl::StrCat("AUTH ", mech, " (initial response hidden)");
  return s;
}

SmtpAuth::Step SmtpAuth::OnReply(const SmtpReply& reply) {
  Step s;
  if (reply.code == 334 && exchange_) {
    absl::StatusOr<std::string> response = exchange_->Respond(absl::StripAsciiWhitespace(reply.text));
    if (!response.ok()) return Cannot(response.status().message());
    s.command = *std::move(response);
    s.shown = "(SASL response hidden)";
    return s;
  }
  exchange_.reset();
  if (reply.accepted()) {
    s.kind = Step::kAuthenticated;
    return s;
  }
  s.kind = Step::kFailed;
  s.failure = trouble::SaslRefused(peer_, reply);
  s.refused = true;
  return s;
}

}  // namespace mxd
