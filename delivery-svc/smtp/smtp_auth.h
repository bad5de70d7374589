// The AUTH exchange of one session (Postfix's smtp_sasl_proto.c): choose a
// mechanism the server offers and the security options allow, send the
// first command (with an initial response where the mechanism starts), then
// answer each 334 challenge until the server says yes or no. The session
// sends what this returns; secrets never reach its transcript.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "delivery-svc/sasl/sasl_client.h"
#include "delivery-svc/smtp/session_settings.h"
#include "delivery-svc/smtp/smtp_peer.h"
#include "delivery-svc/smtp/smtp_reply.h"
#include "delivery-svc/smtp/smtp_trouble.h"

namespace mxd {

class SmtpAuth {
 public:
  struct Step {
    enum Kind {
      kSend,           // send `command`; the transcript shows `shown` ("" for the command)
      kAuthenticated,  // the server accepted: go on with the mail
      kFailed,         // `failure`; `refused` when the server's reply said no
    } kind = kSend;
    std::string command;
    std::string shown;
    Trouble failure;
    bool refused = false;
  };

  // `security.sasl` must be set.
  SmtpAuth(const SessionSecurity& security, const SmtpPeer& peer) : sec_(security), peer_(peer) {}

  // The first command, for the mechanisms the server offered.
  Step Start(const std::vector<std::string>& offered, bool over_tls);
  // The next step after the server's reply to the last command sent.
  Step OnReply(const SmtpReply& reply);

 private:
  Step Cannot(absl::string_view why) const;

  const SessionSecurity& sec_;
  const SmtpPeer& peer_;
  std::unique_ptr<SaslExchange> exchange_;
};

}  // namespace mxd
