// What happened to one recipient, without gRPC types.
#pragma once

#include <string>

#include "delivery-svc/tls/tls_session_info.h"

namespace mxd {

enum class DeliveryAction { kDelivered, kDeferred, kBounced };

struct RecipientOutcome {
  DeliveryAction action = DeliveryAction::kDeferred;
  int smtp_code = 0;     // the reply that decided it, 0 if none did
  std::string enhanced;  // RFC 3463, e.g. "5.1.1"
  std::string reason;    // Postfix wording, quoting the server verbatim
  std::string host;      // the server that answered, when one did
  std::string ip;
  bool dsn_passed = false;
  TlsSessionInfo tls;  // the session's TLS, when it used TLS
  // Deferred, and this server certainly did not take the message for the
  // recipient (a 4xx reply, or a failure before the end of the content
  // went out): another server may be tried for it (smtp_trouble.h).
  bool may_try_elsewhere = false;
};

}  // namespace mxd
